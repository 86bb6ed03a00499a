import calendar
import datetime as dt
import re

import pytest

from tmkfacts import Entity, Fact, FactBase, PartialDate, Source
from tmkfacts.model import Origin


@pytest.mark.parametrize(
    ("text", "precision", "first", "last"),
    [
        ("2025", "year", dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
        ("2025-02", "month", dt.date(2025, 2, 1), dt.date(2025, 2, 28)),
        ("2024-02", "month", dt.date(2024, 2, 1), dt.date(2024, 2, 29)),
        ("2025-07-14", "day", dt.date(2025, 7, 14), dt.date(2025, 7, 14)),
        ("1900-02", "month", dt.date(1900, 2, 1), dt.date(1900, 2, 28)),
        ("2000-02", "month", dt.date(2000, 2, 1), dt.date(2000, 2, 29)),
        ("2025-12", "month", dt.date(2025, 12, 1), dt.date(2025, 12, 31)),
        ("9999-12", "month", dt.date(9999, 12, 1), dt.date(9999, 12, 31)),
    ],
)
def test_partial_date_spans_what_it_may_mean(text, precision, first, last):
    date = PartialDate.parse(text)
    assert date.precision == precision
    assert (date.first_day, date.last_day) == (first, last)
    assert str(date) == text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2025-13", "'2025-13' has no month 13; months run from 01 to 12"),
        ("2025-00-10", "'2025-00-10' has no month 0; months run from 01 to 12"),
        ("2025-02-29", "'2025-02-29' does not exist: February 2025 has 28 days"),
        ("2025-04-31", "'2025-04-31' does not exist: April 2025 has 30 days"),
        ("0000", "'0000' has no year 0"),
        ("2025-7", "'2025-7' is not a date of the form YYYY, YYYY-MM or YYYY-MM-DD"),
        ("2025-07-14T10:00", "is not a date of the form"),
        ("", "is not a date of the form"),
    ],
)
def test_partial_date_rejects_what_is_not_a_date(text, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        PartialDate.parse(text)


@pytest.mark.parametrize("year", [1, 1900, 2000, 2024, 2025, 9999])
def test_every_month_ends_where_the_calendar_says(year):
    for month in range(1, 13):
        last = calendar.monthrange(year, month)[1]
        assert PartialDate(year, month).last_day == dt.date(year, month, last)
        assert PartialDate.parse(f"{year:04d}-{month:02d}-{last:02d}").day == last
        with pytest.raises(ValueError, match="does not exist"):
            PartialDate.parse(f"{year:04d}-{month:02d}-{last + 1:02d}")


def test_leap_day_is_a_date():
    assert PartialDate.parse("2024-02-29").last_day == dt.date(2024, 2, 29)


def test_entity_names_put_the_main_name_first_without_repeats():
    entity = Entity("tmk", "Long Name", "company", short_name="TMK", aliases=("TMK", "UzTMK"))
    assert entity.names == ("Long Name", "TMK", "UzTMK")


def test_records_are_immutable():
    entity = Entity("tmk", "TMK", "company")
    with pytest.raises(AttributeError):
        entity.name = "Other"  # type: ignore[misc]


def test_a_fact_base_is_immutable():
    base = FactBase((), (), ())
    with pytest.raises(AttributeError, match="cannot set 'facts'"):
        base.facts = ()
    with pytest.raises(AttributeError, match="cannot delete 'files'"):
        del base.files


def _fact(origin: Origin | None) -> Fact:
    return Fact("f", PartialDate(2025), "export", "T", "Text.", ("tmk",), ("s",), origin=origin)


def test_records_compare_and_hash_without_where_they_were_read():
    here, there = Origin("a.toml", 3), Origin("b.toml", 40)
    source = Source("s", "Title", "Publisher", "https://example.org", PartialDate(2025))
    entity = Entity("tmk", "TMK", "company")
    for record in (source, entity, _fact(here)):
        moved = record._replace(origin=there)
        assert record == moved
        assert not record != moved  # noqa: SIM202  # tuples define != apart from ==
        assert hash(record) == hash(moved)
        assert len({record, moved}) == 1
        assert record != tuple(record)  # a record is not the tuple of its values
    assert _fact(here) != _fact(here)._replace(title="Other")
    assert hash(_fact(here)) != hash(_fact(here)._replace(title="Other"))


def test_a_fact_base_compares_its_records_and_files():
    facts = (_fact(None),)
    base = FactBase((), (), facts, ("a.toml",))
    assert base == FactBase((), (), facts, ("a.toml",))
    assert hash(base) == hash(FactBase((), (), facts, ("a.toml",)))
    assert base != FactBase((), (), facts, ("b.toml",))
    assert base != FactBase((), (), (), ("a.toml",))
    assert repr(base) == "FactBase(0 sources, 0 entities, 1 facts, files=('a.toml',))"
