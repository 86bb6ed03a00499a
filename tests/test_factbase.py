"""The shipped fact base: complete, sourced, honestly dated and written in our own words."""

import datetime as dt
import re
from pathlib import Path

import pytest

from tmkfacts import FactBase, PartialDate, load, query, search


def _sources_dir() -> Path:
    """The stored articles (`shared/sources`), beside the checkout or above it, where present."""
    here = Path(__file__).resolve()
    for folder in here.parents:
        if (folder / "shared" / "sources").is_dir():
            return folder / "shared" / "sources"
    return here.parents[2] / "shared" / "sources"


SOURCES_DIR = _sources_dir()


@pytest.fixture(scope="module")
def base() -> FactBase:
    return load()


def test_holds_150_facts_from_25_sources_by_10_publishers(base):
    assert len(base.facts) >= 150
    assert len(base.sources) >= 25
    assert len({source.publisher for source in base.sources}) >= 10
    the_first_four = {
        "newscentralasia-2025-07-14",
        "uztmk-reia-2025",
        "newsguru-2025-08",
        "rareearthexchanges-2025",
    }
    assert the_first_four <= {source.id for source in base.sources}
    for fact in base.facts:
        assert fact.sources, fact.id
        assert fact.entities or fact.kind == "background", fact.id


def test_every_reference_resolves(base):
    sources = {source.id for source in base.sources}
    entities = {entity.id for entity in base.entities}
    facts = {fact.id: fact for fact in base.facts}
    for fact in base.facts:
        assert set(fact.sources) <= sources, fact.id
        assert set(fact.entities) <= entities, fact.id
        assert set(fact.disputes) <= set(facts) - {fact.id}, fact.id
        for other in fact.disputes:  # a disagreement is recorded on both claims
            assert fact.id in facts[other].disputes, (fact.id, other)
    for entity in base.entities:
        assert {entity.parent, entity.organization} - {None} <= entities, entity.id


def test_every_record_knows_the_line_it_starts_on(base):
    lines = Path(base.files[0]).read_text(encoding="utf-8").splitlines()
    for table, records in (
        ("source", base.sources),
        ("entity", base.entities),
        ("fact", base.facts),
    ):
        for record in records:
            assert record.origin is not None
            assert record.origin.line is not None
            assert lines[record.origin.line - 1] == f"[[{table}]]", record.id
            assert lines[record.origin.line] == f'id = "{record.id}"', record.id


def test_every_source_supports_a_fact_and_every_entity_is_used(base):
    cited = {source for fact in base.facts for source in fact.sources}
    assert cited == {source.id for source in base.sources}
    used = {entity for fact in base.facts for entity in fact.entities}
    used |= {e.parent for e in base.entities if e.parent}
    used |= {e.organization for e in base.entities if e.organization}
    assert used == {entity.id for entity in base.entities}


#: TMK's Uzbek name, whose first letter is followed by the Uzbek turned comma (U+02BB).
UZBEK_NAME = "O\u02bbzbekiston texnologik metallar kombinati"


def test_tmk_answers_to_every_name_the_sources_give_it(base):
    tmk = base.entity("tmk")
    assert set(tmk.aliases) == {
        "TMK",
        "UzTMK",
        "TMC",
        "UKTM",
        "Uzbekistan Technological Metals Complex",
        "Uzbekistan Technological Metals Company",
        "Uzbekistan Technological Metallurgical Combine",
        "Uzbekistan Technological Metals Plant",
        "Uzbekistan Plant of Technological Metals",
        "Uzbek Technological Metals Plant",
        "Uzbek Technological Metals Combine",
        UZBEK_NAME,
        "Узбекский комбинат технологических металлов",
    }
    assert tmk.country == "UZ"
    for name in (UZBEK_NAME, "Узбекский комбинат технологических металлов"):
        found = query.find_entity(base, name)
        assert found is not None, name
        assert found.id == "tmk", name


def test_every_person_has_a_role_and_an_organization(base):
    people = [e for e in base.entities if e.type == "person"]
    assert {p.id for p in people} >= {
        "gareth-hatch",
        "corina-hebestreit",
        "massimo-gasparon",
        "tracy-hughes",
    }
    for person in people:
        assert person.role, person.id
        assert person.organization, person.id


def test_a_date_finer_than_its_sources_says_where_it_comes_from(base):
    for fact in base.facts:
        published = [base.source(s).published for s in fact.sources]
        finer = all(_rank(fact.date.precision) > _rank(p.precision) for p in published)
        if finer:
            assert fact.date_note, f"{fact.id}: {fact.date} is finer than its sources"


def test_only_plans_lie_after_their_first_report(base):
    for fact in base.facts:
        first = min(base.source(s).published.last_day for s in fact.sources)
        if fact.kind not in ("plan", "forecast"):
            assert fact.date.first_day <= first, fact.id
            assert fact.when.latest <= first, fact.id


def _rank(precision: str) -> int:
    return ["year", "month", "day"].index(precision)


@pytest.mark.parametrize(
    ("fact_id", "date", "entities"),
    [
        ("first-metallic-rhenium-export", "2025", {"tmk", "vlcor-baltic"}),
        ("tmk-exports-first-half-2025", "2025", {"tmk"}),
        ("ppp-tashkent-meeting", "2025", {"tmk", "ppp-hong-kong"}),
        ("ppp-joint-venture-proposal", "2025", {"ppp-hong-kong"}),
        ("ppp-chromium-interest", "2025", {"ppp-hong-kong"}),
        ("ppp-markets", "2025-07-14", {"ppp-hong-kong"}),
        ("chalieco-tungsten-modernization-contract", "2025", {"tmk", "chalieco"}),
        ("chalieco-cooperation-memorandum", "2025", {"tmk", "chalieco"}),
        ("chalieco-founded", "2003", {"chalieco"}),
        ("reia-membership", "2025", {"tmk", "reia"}),
        ("reia-conference-meetings", "2025", {"tmk"}),
        (
            "reia-conference-negotiations",
            "2025",
            {"energy-fuels", "jogmec", "saskatchewan-research-council", "neo-materials"},
        ),
        ("reia-founded", "2019", {"reia"}),
        ("itia-membership", "2025-03", {"tmk", "itia"}),
        ("ecga-membership", "2025-04", {"tmk", "ecga"}),
        ("erma-membership", "2025", {"tmk", "erma"}),
        ("cmi-membership", "2025", {"tmk", "cmi"}),
        ("cmi-critical-minerals-list", "2025-08", {"cmi"}),
        ("eu-uzbekistan-crm-memorandum", "2024-04-05", {"uzbekistan", "european-union"}),
        ("solvomet-services-agreement", "2025", {"solvomet", "tmk"}),
        ("solvomet-agreement-scope", "2025", {"solvomet"}),
        ("solvomet-agreement-announced", "2025-11", {"eit-rawmaterials", "dg-intpa"}),
        ("solvomet-project-start", "2026-01", {"solvomet", "tmk"}),
        ("gareth-hatch-on-reia", "2025", {"gareth-hatch"}),
        ("corina-hebestreit-on-ecga", "2025", {"corina-hebestreit"}),
        ("massimo-gasparon-on-erma", "2025", {"massimo-gasparon"}),
        ("tracy-hughes-on-cmi", "2025", {"tracy-hughes"}),
    ],
)
def test_covers_what_the_sources_report(base, fact_id, date, entities):
    fact = base.fact(fact_id)
    assert str(fact.date) == date
    assert entities <= set(fact.entities)


def test_inferred_and_resolved_dates_say_so(base):
    assert "inferred" in (base.fact("solvomet-agreement-announced").date_note or "")
    assert "last year" in (base.fact("eu-uzbekistan-crm-memorandum").date_note or "")
    assert "March of this year" in (base.fact("itia-membership").date_note or "")


def test_export_figures_carry_value_unit_scale_period_and_growth(base):
    (figure,) = base.fact("tmk-exports-first-half-2025").figures
    assert (figure.value, figure.unit, figure.scale, figure.period, figure.change_pct) == (
        21.3,
        "USD",
        "million",
        "2025-H1",
        118,
    )


def test_partner_countries_and_parents(base):
    countries = {e.id: e.country for e in base.entities}
    assert countries["vlcor-baltic"] == "EE"
    assert countries["ppp-hong-kong"] == "HK"
    assert countries["chalieco"] == countries["chinalco"] == "CN"
    assert base.entity("chalieco").parent == "chinalco"
    assert base.entity("solvomet").parent == "ku-leuven"


def test_partners_are_the_organizations_tmk_deals_with(base):
    found = {p.entity.id: set(p.entity.relations) for p in query.partners(base)}
    assert found == {
        "vlcor-baltic": {"export partner"},
        "chalieco": {"contractor"},
        "solvomet": {"research partner"},
        "ppp-hong-kong": {"negotiation partner", "joint-venture prospect"},
        "energy-fuels": {"negotiation partner"},
        "jogmec": {"negotiation partner"},
        "saskatchewan-research-council": {"negotiation partner"},
        "neo-materials": {"negotiation partner"},
        "koram": {"research partner"},
        "kitech": {"research partner"},
        "ktc": {"negotiation partner"},
        "british-embassy": {"negotiation partner"},
        "traxys": {"negotiation partner"},
    }
    joined = {m.body.id for m in query.memberships(base)}
    for partner in query.partners(base):
        assert partner.entity.id != "tmk"
        assert partner.entity.type != "person"
        assert partner.entity.id not in joined
        assert partner.facts, f"{partner.entity.id}: no fact shows it dealing with TMK"


def test_memberships_are_the_five_bodies_tmk_joined(base):
    found = {m.body.id: str(m.fact.date) for m in query.memberships(base)}
    assert found == {
        "itia": "2025-03",
        "ecga": "2025-04",
        "reia": "2025",
        "erma": "2025",
        "cmi": "2025",
    }
    benefits = {m.body.id: [f.id for f in m.benefits] for m in query.memberships(base)}
    assert benefits["erma"] == ["erma-membership-benefits"]
    assert benefits["cmi"] == ["cmi-membership-benefits", "cmi-membership-promotes-uzbekistan"]
    assert benefits["itia"] == ["itia-membership-benefits"]
    assert benefits["ecga"] == ["ecga-membership-benefits"]
    assert benefits["reia"] == ["reia-membership-benefits"]


def test_every_source_has_an_address_a_date_and_a_language(base):
    for source in base.sources:
        assert source.url.startswith(("https://", "http://")), source.id
        assert source.published.year >= 2016, source.id
        assert source.language, source.id
    languages = {source.language for source in base.sources}
    assert languages >= {"en", "ru", "uz", "uz-Cyrl", "de", "ja"}


#: Organizations in TMK's facts that are not its counterparts, and why.
NOT_COUNTERPARTS = {
    "eit-rawmaterials": "hosted the session where the SOLVOMET agreement was announced",
    "dg-intpa": "hosted the session where the SOLVOMET agreement was announced",
    "ku-leuven": "the university of SOLVOMET, TMK's partner",
    "almalyk-mmc": "TMK's founder and owner in 2024",
    "rare-metals-hard-alloys": "the association TMK was formed from",
}


def test_every_counterpart_of_tmk_appears_in_partners_with_its_relation(base):
    partners = {p.entity.id: p for p in query.partners(base)}
    joined = {m.body.id for m in query.memberships(base)}
    not_organizations = {"person", "country", "union", "event"}
    for fact in base.facts:
        if "tmk" not in fact.entities:
            continue
        for entity_id in set(fact.entities) - {"tmk"} - joined - set(NOT_COUNTERPARTS):
            entity = base.entity(entity_id)
            if entity.type in not_organizations or entity.parent == "tmk":
                continue
            assert entity_id in partners, f"{fact.id}: {entity_id} is not among the partners"
            assert partners[entity_id].entity.relations, entity_id
            assert fact.id in {f.id for f in partners[entity_id].facts}, (entity_id, fact.id)


def test_summary_and_timeline_run_from_tmks_founding_to_the_latest_report(base):
    timeline = [fact.id for fact in query.timeline(base)]
    founding = [f.id for f in base.facts if f.kind == "founding" and "tmk" in f.entities]
    assert {"tmk-registered", "tmk-formed-from-rare-metals-association"} <= set(founding)
    assert set(founding) <= set(timeline)
    latest_report = max(source.published.last_day for source in base.sources)
    reported_last = [f for f in base.facts if any(
        base.source(s).published.last_day == latest_report for s in f.sources)]  # fmt: skip
    assert reported_last
    assert {f.id for f in reported_last} <= set(timeline)
    summary = query.summarize(base)
    assert str(summary.first_date) <= "2024-06"
    assert str(summary.last_date) >= str(latest_report.year)


def test_disagreements_are_recorded_as_two_claims_with_their_own_sources(base):
    pairs = {
        "tmk-exports-first-half-2025": "tmk-exports-first-half-2025-as-result",
        "traxys-portfolio-2025": "traxys-investment-plan-2026",
    }
    for one, other in pairs.items():
        first, second = base.fact(one), base.fact(other)
        assert second.id in first.disputes
        assert first.id in second.disputes
        assert not set(first.sources) & set(second.sources), (one, other)


# --- no more than the sources say (each pinned after reading the articles sentence by sentence)


def test_the_memorandum_day_and_signatories_cite_the_report_that_gives_them(base):
    fact = base.fact("eu-uzbekistan-crm-memorandum")
    assert "intellinews-2024-04-08" in fact.sources
    report = base.source("intellinews-2024-04-08")
    assert (str(report.published), report.publisher) == ("2024-04-08", "bne IntelliNews")
    for person in ("valdis-dombrovskis", "laziz-kudratov"):
        assert "IntelliNews" in (base.entity(person).description or ""), person


def test_no_country_that_no_source_gives(base):
    for entity_id in ("ku-leuven", "solvomet", "eu-raw-materials-week-2025", "reia"):
        assert base.entity(entity_id).country is None, entity_id


def test_names_no_source_uses_are_marked_as_ours(base):
    ours = {
        "vlcor-baltic": "VLCor Baltic",
        "chalieco": "China Aluminum International Engineering",
        "solvomet": "SOLVOMET Research and Innovation Centre",
        "ppp-hong-kong": "PPP",
    }
    for entity_id, name in ours.items():
        entity = base.entity(entity_id)
        assert name in entity.search_aliases, entity_id
        assert name not in (entity.name, entity.short_name, *entity.aliases), entity_id
        assert name in entity.names, f"{entity_id}: still found by '{name}'"


def test_types_and_relations_say_what_the_articles_say(base):
    assert base.entity("jogmec").type == "organization"  # listed among "industrial giants"
    vlcor = base.entity("vlcor-baltic")  # "based on a contract signed with" it
    assert vlcor.relations == ("export partner",)
    assert "buyer" not in base.fact("first-metallic-rhenium-export").tags
    event = base.entity("eu-raw-materials-week-2025")
    assert event.name == "EU Critical Raw Materials Week 2025"


def test_background_not_about_tmk_does_not_name_it(base):
    for fact_id in (
        "rhenium-strategic-uses",
        "rare-earths-importance",
        "europe-raw-materials-gap-assessment",
    ):
        assert "tmk" not in base.fact(fact_id).entities, fact_id


def test_inferences_are_marked_as_ours(base):
    assert "inference" in (base.fact("solvomet-services-agreement").date_note or "")
    assert "inference" in (base.source("rareearthexchanges-2025").notes or "")
    text = base.fact("solvomet-services-agreement").text
    assert "between them" not in text
    assert "first-ever" in text
    title = base.fact("tmk-exports-first-half-2025").title
    assert "expected" in title
    assert not title.startswith("TMK puts")


def test_profiles_carry_the_date_of_the_report_they_describe(base):
    dates = {
        "ppp-profile": "2025-07-14",
        "chalieco-profile": "2025-07-14",
        "erma-profile": "2025-08",
        "cmi-profile": "2025-08",
    }
    assert {fact_id: str(base.fact(fact_id).date) for fact_id in dates} == dates


def test_titles_that_are_not_headlines_are_marked_supplied(base):
    supplied = {source.id for source in base.sources if source.title_supplied}
    assert supplied >= {
        "newscentralasia-2025-07-14",
        "uztmk-reia-2025",
        "newsguru-2025-08",
        "rareearthexchanges-2025",
        "open4business-2025",
        "uztmk-korea-oda-2025",
        "trend-2025-09-22",
    }
    headlines = {
        "intellinews-2024-04-08",
        "mingeo-2024-07-09",
        "uztmk-uk-2025-12-10",
        "kursiv-2026-02-22",
    }
    assert not headlines & supplied
    for source in base.sources:  # a title of ours says where it came from
        if source.title_supplied:
            assert re.search(r"title|headline", source.notes or ""), source.id


# --- our own words ---------------------------------------------------------------------------

RUN = 7  # words in a row that may not be copied from an article


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def _runs(words: list[str]) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + RUN]) for i in range(len(words) - RUN + 1)}


@pytest.mark.skipif(not SOURCES_DIR.is_dir(), reason="the source articles are not beside the repo")
def test_no_sentence_is_copied_from_the_articles(base):
    """Names and quoted titles may repeat the articles; nothing else may run RUN words in a row."""
    names = sorted({n for e in base.entities for n in e.names}, key=len, reverse=True)
    alternatives = "|".join(re.escape(n) for n in names)
    pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)

    def masked(text: str) -> list[str]:
        text = re.sub(r"'[^']{12,}'", " ", text)  # quoted session and report titles
        return _words(pattern.sub(" name ", text))

    article_runs: set[tuple[str, ...]] = set()
    for article in SOURCES_DIR.glob("0*.txt"):
        article_runs |= _runs(masked(article.read_text(encoding="utf-8", errors="replace")))
    ours = [(f.id, t) for f in base.facts for t in (f.title, f.text, f.date_note or "")]
    ours += [(e.id, e.description or "") for e in base.entities]
    copied = [
        (record, " ".join(run))
        for record, text in ours
        for run in _runs(masked(text)) & article_runs
    ]
    assert copied == []


# --- dates: on the shipped base, every date filter keeps exactly what may fall in its range ---

MONTHS = [f"{year}-{month:02d}" for year in (2024, 2025, 2026) for month in range(1, 13)]


def expected_span(base, fact):
    """The days a fact may fall on, from its date, bounds and sources (docs/facts-format.md)."""
    first, last = fact.date.first_day, fact.date.last_day
    if fact.not_before:
        first = max(first, fact.not_before.first_day)
    if fact.not_after:
        last = min(last, fact.not_after.last_day)
    reports = [base.source(s).published for s in fact.sources]
    if fact.kind in ("plan", "forecast"):
        first = max(first, *(report.first_day for report in reports))
    else:
        last = min(last, *(report.last_day for report in reports))
    return first, last


@pytest.mark.parametrize("since", [None, "2025", "2025-07", "2025-07-15", "2025-08", "2025-12"])
@pytest.mark.parametrize("until", [None, "2024-04", "2025-03", "2025-06", "2025-07-14", "2026"])
def test_no_date_filter_keeps_a_fact_outside_its_range_or_drops_one_within(base, since, until):
    start = PartialDate.parse(since) if since else None
    end = PartialDate.parse(until) if until else None
    if start and end and start.first_day > end.last_day:
        return
    low = start.first_day if start else dt.date.min
    high = end.last_day if end else dt.date.max
    spans = {fact.id: expected_span(base, fact) for fact in base.facts}
    expected = {f for f, (first, last) in spans.items() if last >= low and first <= high}
    where = query.Filter(since=start, until=end)
    assert {f.id for f in query.list_facts(base, where)} == expected
    assert {f.id for f in query.timeline(base, where)} == expected
    if start or end:
        text = f"date:{since or ''}..{until or ''}"
        assert {hit.fact.id for hit in search.search(base, text).hits} == expected


def test_the_reported_examples_are_no_longer_kept(base):
    """The cases the honest-dates issue reported, each a fact its report bounds."""
    since_august = {f.id for f in query.list_facts(base, query.Filter(since=PartialDate(2025, 8)))}
    for fact_id in ("first-metallic-rhenium-export", "ppp-tashkent-meeting",
                    "chalieco-tungsten-modernization-contract"):  # fmt: skip
        assert fact_id not in since_august
    since_september = {
        f.id for f in query.list_facts(base, query.Filter(since=PartialDate(2025, 9)))
    }
    assert not since_september & {"erma-membership", "cmi-membership", "tracy-hughes-on-cmi"}
    after_july = {hit.fact.id for hit in search.search(base, "rhenium after:2025-07").hits}
    assert "first-metallic-rhenium-export" not in after_july
    fourth_quarter = {hit.fact.id for hit in search.search(base, "date:2025Q4").hits}
    assert not fourth_quarter & {"first-metallic-rhenium-export", "erma-membership"}
    export = base.fact("first-metallic-rhenium-export")
    assert (export.when.earliest, export.when.latest) == (dt.date(2025, 1, 1), dt.date(2025, 7, 14))
