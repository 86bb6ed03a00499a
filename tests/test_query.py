"""The core's questions, on the small test base: filters, partners, summaries."""

from pathlib import Path

import pytest

from tmkfacts import FactBase, PartialDate, load
from tmkfacts import query as q
from tmkfacts.errors import QueryError
from tmkfacts.filters import Filter

from .conftest import MINI

# mini.toml's facts, dates and spans: first-export 2025-07 (by 14 Jul, its report),
# founded 2024-06-03, director-quote 2025 (by 14 Jul, its first report), guild-membership
# 2025-03, guild-benefits 2025 (its source is dated 2025 alone: the whole year).


@pytest.fixture(scope="module")
def mini() -> FactBase:
    return load([MINI])


def ids(facts):
    return [fact.id for fact in facts]


def test_newest_first_orders_by_the_latest_day_a_fact_may_fall_on_then_the_earliest(mini):
    assert ids(q.list_facts(mini)) == [
        "guild-benefits",
        "first-export",
        "director-quote",
        "guild-membership",
        "founded",
    ]
    assert ids(q.oldest_first(mini.facts)) == [
        "founded",
        "guild-membership",
        "director-quote",
        "first-export",
        "guild-benefits",
    ]
    assert ids(q.newest_first(mini.facts)) == ids(q.list_facts(mini))
    assert ids(q.timeline(mini)) == ids(q.oldest_first(mini.facts))


def test_limit_keeps_the_newest(mini):
    assert ids(q.list_facts(mini, limit=2)) == ["guild-benefits", "first-export"]


def test_a_limit_cuts_the_newest_first_order_ties_and_all(mini):
    dates = [PartialDate(2025), PartialDate(2025, 3), PartialDate(2024, 6, 3), PartialDate(2025)]
    facts = tuple(
        mini.facts[n % len(mini.facts)]._replace(id=f"fact-{n}", date=dates[n * 7 % len(dates)])
        for n in range(40)
    )
    many = FactBase(mini.sources, mini.entities, facts, mini.files)
    ordered = q.newest_first(many.facts)
    for limit in (0, 1, 2, 9, 10, 11, 39, 40, 41, None):
        assert q.list_facts(many, limit=limit) == ordered[:limit], limit
    kind = Filter(kinds=("export",))
    assert q.list_facts(many, kind, limit=3) == q.newest_first(q.select(many, kind))[:3]


@pytest.mark.parametrize(
    ("since", "until", "expected"),
    [
        # a fact dated 2025 may fall in any part of 2025 its first report leaves open
        ("2025-07", None, {"first-export", "director-quote", "guild-benefits"}),
        ("2025-07-14", None, {"first-export", "director-quote", "guild-benefits"}),
        ("2025-07-15", None, {"guild-benefits"}),
        ("2025-07-31", None, {"guild-benefits"}),
        ("2025-08", None, {"guild-benefits"}),
        (None, "2025-06-30", {"founded", "director-quote", "guild-benefits", "guild-membership"}),
        (
            None,
            "2025-07-01",
            {"founded", "director-quote", "guild-benefits", "guild-membership", "first-export"},
        ),
        (None, "2025-03", {"founded", "director-quote", "guild-benefits", "guild-membership"}),
        (None, "2024", {"founded"}),
        ("2024-06-03", "2024-06-03", {"founded"}),
        ("2024-06-04", "2024-12", set()),
        ("2026", None, set()),
        ("2025", "2025", {"first-export", "director-quote", "guild-benefits", "guild-membership"}),
    ],
)
def test_since_and_until_keep_facts_whose_date_overlaps_the_range(mini, since, until, expected):
    where = q.Filter(
        since=PartialDate.parse(since) if since else None,
        until=PartialDate.parse(until) if until else None,
    )
    assert set(ids(q.select(mini, where))) == expected


def test_since_after_until_is_an_error(mini):
    where = q.Filter(since=PartialDate(2026), until=PartialDate(2025, 12))
    with pytest.raises(QueryError, match="--since 2026 is after --until 2025-12"):
        q.select(mini, where)


def test_kinds_match_any_of_them_in_any_case(mini):
    where = q.Filter(kinds=("EXPORT", "founding"))
    assert ids(q.select(mini, where)) == ["first-export", "founded"]


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("exprot", "unknown kind 'exprot' (did you mean 'export'?)"),
        ("deal", "unknown kind 'deal' (known: export, production, agreement, "),
    ],
)
def test_an_unknown_kind_is_an_error_with_a_hint(mini, kind, message):
    with pytest.raises(QueryError) as caught:
        q.select(mini, q.Filter(kinds=(kind,)))
    assert str(caught.value).startswith(message)


@pytest.mark.parametrize(
    "name", ["tmk", "TMK", "Acme Metals Complex", "amc", "acme", " Acme  Metals "]
)
def test_an_entity_is_found_by_id_or_any_name_in_any_case(mini, name):
    assert q.entity_ids(mini, name) == {"tmk"}


def test_entity_filters_must_all_hold(mini):
    assert ids(q.select(mini, q.Filter(entities=("acme",)))) == [
        "first-export",
        "founded",
        "director-quote",
        "guild-membership",
        "guild-benefits",
    ]
    assert ids(q.select(mini, q.Filter(entities=("acme", "Buyer OU")))) == ["first-export"]


def test_an_entity_brings_its_subsidiaries(mini):
    assert q.entity_ids(mini, "Holding Group") == {"holding", "buyer"}
    assert ids(q.select(mini, q.Filter(entities=("holding",)))) == ["first-export"]


def test_a_country_keeps_facts_about_entities_based_there(mini):
    assert ids(q.select(mini, q.Filter(countries=("ee",)))) == ["first-export"]
    assert ids(q.select(mini, q.Filter(countries=("BE", "UZ")))) == [
        "guild-membership",
        "guild-benefits",
    ]


def test_materials_and_tags_are_compared_as_slugs(mini):
    assert ids(q.select(mini, q.Filter(materials=("Rhenium",)))) == ["first-export"]
    assert ids(q.select(mini, q.Filter(tags=("First Export",)))) == ["first-export"]
    assert ids(q.select(mini, q.Filter(tags=("first_export", "quote")))) == []


def test_a_miss_is_explained_when_a_value_is_unknown(mini):
    assert q.explain_miss(mini, q.Filter(entities=("buyr",))) == (
        "no entity 'buyr' (did you mean 'buyer'?)"
    )
    assert q.explain_miss(mini, q.Filter(materials=("rhenum",))) == (
        "no fact has the material 'rhenum' (did you mean 'rhenium'?)"
    )
    assert q.explain_miss(mini, q.Filter(tags=("zzz",))) == "no fact has the tag 'zzz'"
    # known values that simply do not meet together: nothing to explain
    assert q.explain_miss(mini, q.Filter(tags=("quote", "grants"))) is None


# --- one fact -----------------------------------------------------------------------------------


def test_a_fact_is_found_by_id_in_any_case(mini):
    found = q.find_fact(mini, " First-Export ")
    assert found is not None
    assert found.id == "first-export"
    assert q.find_fact(mini, "nope") is None


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("first-exprot", ["first-export"]),
        ("export", ["first-export"]),
        ("guild", ["guild-membership", "guild-benefits"]),
        ("quote-director", ["director-quote"]),
        ("zebra", []),
        ("---", []),
    ],
)
def test_closest_fact_ids_allow_for_slips_and_missing_words(mini, typed, expected):
    assert q.closest_fact_ids(mini, typed) == expected


# --- partners, memberships, sources, summary ----------------------------------------------------


def test_partners_are_organizations_with_relations_and_their_facts_with_tmk(mini):
    (buyer,) = q.partners(mini)
    assert buyer.entity.id == "buyer"
    assert ids(buyer.facts) == ["first-export"]
    assert buyer.first_date == buyer.last_date == PartialDate(2025, 7)
    assert buyer.parent is not None
    assert buyer.parent.id == "holding"


@pytest.mark.parametrize("relation", ["buyer", "Buyers", "BUYER"])
def test_partners_filter_by_relation_in_any_form(mini, relation):
    assert [p.entity.id for p in q.partners(mini, relation)] == ["buyer"]


def test_partners_with_another_relation_are_none(mini):
    assert q.partners(mini, "joint venture prospect") == []


def test_an_unknown_relation_is_an_error(mini):
    with pytest.raises(QueryError, match=r"unknown relation 'byer' \(did you mean 'buyer'\?\)"):
        q.partners(mini, "byer")


def test_first_and_last_dates_span_every_fact_of_a_partner():
    base = load([MINI])
    later = FactBase(
        base.sources,
        base.entities,
        (*base.facts, _fact("resale", PartialDate(2026), ("buyer", "tmk"))),
    )
    (buyer,) = q.partners(later)
    assert buyer.first_date == PartialDate(2025, 7)
    assert buyer.last_date == PartialDate(2026)


def _fact(fact_id, date, entities):
    from tmkfacts.model import Fact

    return Fact(fact_id, date, "export", "T", "T.", entities, ("blog-2025",))


def test_memberships_come_from_membership_facts_with_their_benefits(mini):
    (guild,) = q.memberships(mini)
    assert guild.body.id == "guild"
    assert guild.fact.id == "guild-membership"
    assert ids(guild.benefits) == ["guild-benefits"]


def test_each_source_counts_the_facts_that_cite_it(mini):
    assert [(u.source.id, ids(u.facts)) for u in q.source_uses(mini)] == [
        ("wire-2025-07-14", ["first-export", "director-quote"]),
        ("blog-2025", ["founded", "director-quote", "guild-membership", "guild-benefits"]),
    ]


def test_summary_counts_kinds_years_exports_partners_and_memberships(mini):
    summary = q.summarize(mini, newest=2)
    assert dict(summary.by_kind) == {
        "export": 1,
        "founding": 1,
        "statement": 1,
        "membership": 1,
        "benefit": 1,
    }
    assert summary.by_year == ((2024, 1), (2025, 4))
    ((export, figure),) = summary.exports
    assert export.id == "first-export"
    assert figure is not None
    assert figure.value == 21.3
    assert [(c, [p.entity.id for p in ps]) for c, ps in summary.partners_by_country] == [
        ("EE", ["buyer"])
    ]
    assert [(y, [m.body.id for m in ms]) for y, ms in summary.memberships_by_year] == [
        (2025, ["guild"])
    ]
    assert ids(summary.newest) == ["guild-benefits", "first-export"]
    assert (summary.first_date, summary.last_date) == (PartialDate(2024, 6, 3), PartialDate(2025))


@pytest.fixture(scope="module")
def big(generated: Path) -> FactBase:
    """The generated base of 2,500 facts: ten partners, with 700 facts between them."""
    return load([generated])


def test_each_partner_has_every_fact_naming_it_and_tmk_oldest_first(big):
    found = q.partners(big)
    assert len(found) > 5
    assert sum(len(partner.facts) for partner in found) > 500
    for partner in found:  # the definition, fact by fact
        named = [f for f in big.facts if {partner.entity.id, q.SUBJECT} <= set(f.entities)]
        assert list(partner.facts) == q.oldest_first(named), partner.entity.id
    for relation in ("buyer", "contractor"):
        chosen = q.partners(big, relation)
        assert chosen == [p for p in found if relation in p.entity.relations]


def test_each_source_has_every_fact_citing_it_in_file_order(big):
    uses = q.source_uses(big)
    assert [use.source for use in uses] == list(big.sources)
    assert sum(len(use.facts) for use in uses) >= len(big.facts)
    for use in uses:  # the definition, source by source
        assert list(use.facts) == [f for f in big.facts if use.source.id in f.sources]
