"""Dates known to the year, the month or the day: what sources say, and no more precisely.

Apart from the rest of the model, so that the command line can parse --since and --until
without loading it.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal, NamedTuple

Precision = Literal["year", "month", "day"]

_DATE = r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?"  # compiled by `re` when first parsed
_MONTHS = (
    "January February March April May June July August September October November December"
).split()


class PartialDate(NamedTuple):
    """A date known to the year, the month or the day, and no more precisely.

    A record like the model's (see tmkfacts.model): do not order dates as tuples, since a
    year alone says nothing of its month; `first_day` and `last_day` give the range.
    """

    year: int
    month: int | None = None
    day: int | None = None

    @classmethod
    def parse(cls, text: str) -> PartialDate:
        """Parse "YYYY", "YYYY-MM" or "YYYY-MM-DD"; raise ValueError saying what is wrong."""
        match = re.fullmatch(_DATE, text)
        if match is None:
            raise ValueError(f"'{text}' is not a date of the form YYYY, YYYY-MM or YYYY-MM-DD")
        year = int(match[1])
        month = int(match[2]) if match[2] else None
        day = int(match[3]) if match[3] else None
        if year < 1:
            raise ValueError(f"'{text}' has no year 0")
        if month is not None and not 1 <= month <= 12:
            raise ValueError(f"'{text}' has no month {month}; months run from 01 to 12")
        if month is not None and day is not None:
            last = _days_in(year, month)
            if not 1 <= day <= last:
                name = _MONTHS[month - 1]
                raise ValueError(f"'{text}' does not exist: {name} {year} has {last} days")
        return cls(year, month, day)

    @property
    def precision(self) -> Precision:
        """How precisely the date is known."""
        if self.day is not None:
            return "day"
        return "month" if self.month is not None else "year"

    @property
    def first_day(self) -> dt.date:
        """The earliest calendar day the date may stand for."""
        return dt.date(self.year, self.month or 1, self.day or 1)

    @property
    def last_day(self) -> dt.date:
        """The latest calendar day the date may stand for."""
        if self.month is None:
            return dt.date(self.year, 12, 31)
        return dt.date(self.year, self.month, self.day or _days_in(self.year, self.month))

    @property
    def order(self) -> int:
        """The one sort key of dates: a year alone comes before the months of that year."""
        return self.year * 10000 + (self.month or 0) * 100 + (self.day or 0)

    def __str__(self) -> str:
        text = f"{self.year:04d}"
        if self.month is not None:
            text += f"-{self.month:02d}"
            if self.day is not None:
                text += f"-{self.day:02d}"
        return text


def _days_in(year: int, month: int) -> int:
    """How many days the month has: the day before the first of the next, without `calendar`."""
    if month == 12:  # December: there may be no next year (9999)
        return 31
    return (dt.date(year, month + 1, 1) - dt.timedelta(days=1)).day
