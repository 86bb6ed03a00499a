"""Dates known to the year, the month or the day, and the spans of days a fact may fall in.

A fact's date says no more than its sources: `PartialDate`. What the sources bound besides (an
event they report as done happened no later than the first report) makes its `Span`, derived
in one place, `span`. Apart from the rest of the model, so that the command line can parse
--since and --until without loading it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Literal, NamedTuple

Precision = Literal["year", "month", "day"]

_DATE = r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?"  # compiled by `re` when first parsed
_MONTHS = (
    "January February March April May June July August September October November December"
).split()


class PartialDate(NamedTuple):
    """A date known to the year, the month or the day, and no more precisely.

    A record like the model's (see tmkfacts.model): do not order dates as tuples, since a
    year alone says nothing of its month; `first_day` and `last_day` give the range, and a
    fact's `Span` the order.
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

    def __str__(self) -> str:
        text = f"{self.year:04d}"
        if self.month is not None:
            text += f"-{self.month:02d}"
            if self.day is not None:
                text += f"-{self.day:02d}"
        return text


class Span(NamedTuple):
    """The days a fact may fall in: from the first day of `start` to the last day of `end`.

    `start` and `end` are the fact's date itself where nothing narrows it, or the bound that
    does (a report's publication date, the curator's `not_before` or `not_after`).
    """

    start: PartialDate
    end: PartialDate

    @property
    def earliest(self) -> dt.date:
        """The earliest day the fact may fall on."""
        return self.start.first_day

    @property
    def latest(self) -> dt.date:
        """The latest day the fact may fall on."""
        return self.end.last_day

    @property
    def order(self) -> tuple[dt.date, dt.date]:
        """The one sort key of facts by date: the latest day they may fall on, then the earliest.

        So news reported in July comes after March and before August.
        """
        return (self.latest, self.earliest)


#: Kinds of fact that look ahead: their date may come after their sources were published.
FORWARD_KINDS = frozenset({"plan", "forecast"})


def span(
    date: PartialDate,
    kind: str,
    published: Iterable[PartialDate],
    not_before: PartialDate | None = None,
    not_after: PartialDate | None = None,
) -> Span | None:
    """The days a fact may fall in, or None when its date and its bounds leave none.

    The date gives the widest span; `not_before` and `not_after` narrow it. What a source
    reports as done or said happened no later than the report, so the first publication of
    the sources (`published`) ends the span of every kind but plans and forecasts; a plan or
    forecast starts no earlier than its first report.
    """
    start = not_before if not_before and not_before.first_day > date.first_day else date
    end = not_after if not_after and not_after.last_day < date.last_day else date
    reports = list(published)
    if reports and kind in FORWARD_KINDS:
        first = min(reports, key=lambda report: report.first_day)
        start = first if first.first_day > start.first_day else start
    elif reports:
        first = min(reports, key=lambda report: report.last_day)
        end = first if first.last_day < end.last_day else end
    return Span(start, end) if start.first_day <= end.last_day else None


_FORMS = (  # other ways people write dates, as patterns of (day, month name or number, year)
    (r"(?P<m>[A-Za-z]+)\.? (?P<y>\d{4})", False),  # Oct 2025, October 2025
    (r"(?P<d>\d{1,2}) (?P<m>[A-Za-z]+)\.?,? (?P<y>\d{4})", False),  # 14 July 2025
    (r"(?P<m>[A-Za-z]+)\.? (?P<d>\d{1,2}),? (?P<y>\d{4})", False),  # July 14, 2025
    (r"(?P<y>\d{4})[/.](?P<m>\d{1,2})(?:[/.](?P<d>\d{1,2}))?", True),  # 2025/07/14
    (r"(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4})", True),  # 14.07.2025
    (r"(?P<y>\d{4})-(?P<m>\d)(?:-(?P<d>\d{1,2}))?", True),  # 2025-7-4
)


def suggest(text: str) -> str | None:
    """The date a text written in another form stands for, as YYYY, YYYY-MM or YYYY-MM-DD.

    `Oct 2025` is `2025-10`, `14 July 2025` is `2025-07-14`; None when it is no date.
    """
    for pattern, numeric in _FORMS:
        match = re.fullmatch(pattern, text.strip())
        if match is None:
            continue
        month_text = match["m"]
        if numeric:
            month = int(month_text)
        else:
            names = [name.casefold() for name in _MONTHS]
            wanted = month_text.casefold()
            found = [
                n for n, name in enumerate(names, 1) if len(wanted) >= 3 and name.startswith(wanted)
            ]
            if len(found) != 1:
                continue
            month = found[0]
        day = match.groupdict().get("d")
        candidate = f"{int(match['y']):04d}-{month:02d}" + (f"-{int(day):02d}" if day else "")
        try:
            return str(PartialDate.parse(candidate))
        except ValueError:
            return None
    return None


def _days_in(year: int, month: int) -> int:
    """How many days the month has: the day before the first of the next, without `calendar`."""
    if month == 12:  # December: there may be no next year (9999)
        return 31
    return (dt.date(year, month + 1, 1) - dt.timedelta(days=1)).day
