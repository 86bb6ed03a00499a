"""Full-text search on the small test base: words, names, places, typos, phrases, filters."""

import sqlite3

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tmkfacts import FactBase, PartialDate, db, load, loads, search, words
from tmkfacts.errors import QueryError
from tmkfacts.query import Filter
from tmkfacts.vocabularies import COUNTRIES

from .conftest import MINI

# mini.toml: first-export 2025-07 (Acme ships rhenium to Buyer OU, an Estonian company owned by
# Holding Group), founded 2024-06-03 (Tashkent), director-quote 2025, guild-membership 2025-03
# (Brussels, tungsten), guild-benefits 2025 (its text holds "[bold]markets[/bold]").


@pytest.fixture(scope="module")
def mini() -> FactBase:
    return load([MINI])


def mini_base() -> FactBase:
    return load([MINI])


def found(base, query, **options):
    return [hit.fact.id for hit in search.search(base, query, **options).hits]


# --- words ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "forms",
    [
        ["export", "exports", "exported", "exporting", "Exports"],
        ["company", "companies"],
        ["ship", "ships", "shipped", "shipping"],
        ["mine", "mines", "mined", "mining"],
        ["agree", "agreed", "agrees"],
        ["modernize", "modernized", "modernizing"],
        ["process", "processes"],
    ],
)
def test_the_forms_of_a_word_share_one_stem(forms):
    with sqlite3.connect(":memory:") as connection:
        assert len(set(db.stems(connection, forms))) == 1


@pytest.mark.parametrize("word", ["ore", "gas", "21.3", "2025", "us", "status", "basis"])
def test_short_words_numbers_and_latin_endings_find_what_holds_them(word):
    document = MINI.read_text().replace("Acme shipped rhenium", f"Acme shipped {word} rhenium")
    base = loads(document, name="mini.toml")
    assert "first-export" in [hit.fact.id for hit in search.search(base, word).hits]


@pytest.mark.parametrize(
    ("typed", "folded"),
    [
        ("RHENIUM", "rhenium"),
        ("Táshként", "tashkent"),
        ("TMK\u2019s", "tmks"),  # right single quotation mark
        ("O\u02bbzbek", "ozbek"),  # modifier letter turned comma, as Uzbek writes it
    ],
)
def test_fold_drops_case_accents_and_apostrophes(typed, folded):
    assert words.fold(typed) == folded


def test_spans_find_the_words_that_matched_in_any_case():
    text = "Exports rose; TMK exported more."
    marked = [text[start:end] for start, end in words.spans(text, {"exports", "exported"})]
    assert marked == ["Exports", "exported"]


def test_search_needs_every_word(mini):
    assert found(mini, "rhenium buyer") == ["first-export"]
    assert found(mini, "rhenium tashkent") == []


@pytest.mark.parametrize("query", ["EXPORTING", "exported", "rhen", "shipping"])
def test_word_forms_and_starts_of_words_find_a_fact(mini, query):
    assert found(mini, query) == ["first-export"]


def test_a_word_is_not_found_inside_another(mini):
    assert found(mini, "cme") == []  # in 'acme', but too short to be a typo of it


def test_stop_words_are_dropped_unless_they_are_all_there_is(mini):
    assert found(mini, "who shipped the rhenium") == ["first-export"]
    only_stop_words = set(found(mini, "the"))
    assert only_stop_words == {"first-export", "guild-membership", "guild-benefits"}


# --- names, synonyms, places ----------------------------------------------------------------------


def test_any_name_of_an_entity_finds_its_facts(mini):
    acme = ["first-export", "guild-membership", "director-quote", "guild-benefits", "founded"]
    for name in ("AMC", "Acme Metals Complex", "tmk"):
        assert sorted(found(mini, name)) == sorted(acme)


def test_a_parent_finds_its_subsidiarys_facts(mini):
    assert found(mini, "holding") == ["first-export"]
    assert found(mini, "Holding Group rhenium") == ["first-export"]


def test_a_chemical_symbol_counts_only_as_written(mini):
    assert found(mini, "Re") == ["first-export"]
    assert found(mini, "re") == []  # too short to stand for the words it starts


@pytest.mark.parametrize("query", ["Estonia", "estonian", "EE", "country:ee", "country:Estonia"])
def test_a_country_finds_facts_about_entities_based_there(mini, query):
    assert found(mini, query) == ["first-export"]


def test_a_country_code_counts_only_in_capitals(mini):
    assert set(found(mini, "BE")) == {"guild-membership", "guild-benefits"}
    assert found(mini, "be") == []  # the word 'be', which no fact has


def test_a_city_finds_what_happened_there(mini):
    assert found(mini, "Brussels") == ["guild-membership"]


def test_the_lexicon_is_well_formed():
    lexicon = words.read_lexicon()
    assert all(all(phrase) for group in lexicon.synonyms for phrase in group)
    assert set(lexicon.countries) <= COUNTRIES
    assert all(phrase for phrase in lexicon.symbols.values())


# --- typos ----------------------------------------------------------------------------------------


def test_a_typo_is_mended_and_the_mending_reported(mini):
    results = search.search(mini, "rhenum guild")
    assert results.hits == ()
    results = search.search(mini, "rhenum")
    assert [hit.fact.id for hit in results.hits] == ["first-export"]
    assert results.corrections == (("rhenum", "rhenium"),)
    assert results.hits[0].matched == ("rhenium",)


def test_swapped_letters_are_one_slip(mini):
    assert search.search(mini, "tunsgten").corrections == (("tunsgten", "tungsten"),)


def test_a_word_too_far_from_any_gets_a_hint_or_nothing(mini):
    assert search.search(mini, "markts").corrections == (("markts", "markets"),)
    assert search.search(mini, "grantsxx").corrections == (("grantsxx", "grants"),)
    miss = search.search(mini, "grantsxxx")
    assert miss.hits == ()
    assert miss.hint == "no fact has the word 'grantsxxx' (did you mean 'grants'?)"
    assert search.search(mini, "qqqqqqqq").hint == "no fact has the word 'qqqqqqqq'"


def test_short_words_are_never_mended(mini):
    assert search.search(mini, "acne").corrections == (("acne", "acme"),)
    assert search.search(mini, "amx").corrections == ()


def test_a_real_word_is_not_mended_into_another_by_its_stem(mini):
    # 'nothing' stems to 'noth', one edit from 'north'; spelt out, they are far apart
    base = load([MINI])
    assert search.search(base, "nothing").hint == "no fact has the word 'nothing'"


# --- ranking, phrases, exclusion ------------------------------------------------------------------


def test_a_title_match_ranks_above_a_text_match(mini):
    hits = search.search(mini, "guild").hits
    assert [hit.fact.id for hit in hits] == ["guild-membership", "guild-benefits"]
    assert hits[0].score > hits[1].score > 0
    assert hits[0].matched == ("guild",)


def test_equal_scores_go_to_the_newer_fact(mini):
    # filters alone score every fact 0, so the order is the newest first
    assert found(mini, "entity:tmk") == [
        "guild-benefits",
        "first-export",
        "director-quote",
        "guild-membership",
        "founded",
    ]


def test_a_quoted_phrase_must_appear_in_order(mini):
    assert found(mini, '"shipped rhenium"') == ["first-export"]
    assert found(mini, '"rhenium shipped"') == []
    assert found(mini, '"metals guild" -"takes acme"') == ["guild-membership", "guild-benefits"]


def test_a_minus_excludes_a_word_or_a_phrase(mini):
    assert found(mini, "guild -member") == ["guild-benefits"]
    assert found(mini, 'acme -"Jane Doe" -guild -rhenium') == ["founded"]


# --- field filters --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kind:membership", ["guild-membership"]),
        ("kind:Membership acme", ["guild-membership"]),
        ("-kind:membership guild", ["guild-benefits"]),
        ("entity:holding", ["first-export"]),
        ("entity:guild -entity:jane-doe grants", ["guild-benefits"]),
        ("material:tungsten", ["guild-membership"]),
        ("tag:quote", ["director-quote"]),
        ("country:BE kind:benefit", ["guild-benefits"]),
        ("date:2025-07 kind:export", ["first-export"]),
        ("date:2025-07 entity:guild", ["guild-benefits"]),
        ("date:2025Q3", ["first-export", "guild-benefits", "director-quote"]),
        ("date:2025-08..2025-09", ["guild-benefits"]),  # the others were reported by 14 July
        ("date:2025H1 guild", ["guild-membership", "guild-benefits"]),
        ("date:2024..2025-02", ["founded", "guild-benefits", "director-quote"]),
        ("date:..2024", ["founded"]),
        ("date:2025-04.. guild", ["guild-benefits"]),
        ("after:2025-03 kind:membership", []),
        ("after:2025-02 kind:membership", ["guild-membership"]),
        ("before:2025", ["founded"]),
        ("before:2024-06-03", []),
        ("before:2024-06-04", ["founded"]),
    ],
)
def test_field_filters(mini, query, expected):
    assert found(mini, query) == expected


def test_facts_certainly_in_a_date_range_come_before_those_that_may_be():
    # after:2025-06: July 2025 certainly; a fact dated only 2025 may be
    document = MINI.read_text()
    document = document.replace("Acme shipped rhenium", "Acme shipped zinc and rhenium")
    document = document.replace('"Jane Doe said things."', '"Jane Doe said zinc, zinc, zinc."')
    base = loads(document, name="mini.toml")
    for query, where in [
        ("after:2025-06 zinc", None),
        ("zinc", Filter(since=PartialDate(2025, 7))),
    ]:
        hits = search.search(base, query, where).hits
        assert [hit.fact.id for hit in hits] == ["first-export", "director-quote"]
        assert hits[0].score < hits[1].score  # first for its date, not for its words


def test_filters_in_the_query_and_from_options_must_both_hold(mini):
    assert found(mini, "kind:membership", where=Filter(kinds=("benefit",))) == []
    assert found(mini, "acme", where=Filter(kinds=("benefit",))) == ["guild-benefits"]


QUOTE = "; put text with ':' in quotes to search it"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("kind:", "'kind:' needs a value, as in kind:membership"),
        ("date:2025-13", "date:2025-13: '2025-13' has no month 13; months run from 01 to 12"),
        ("date:2025Q5", "date:2025Q5: a year has no Q5"),
        (
            "date:2025-08..2025-03",
            "'date:2025-08..2025-03' ends before it starts; nothing can match",
        ),
        ("after:soon", "after:soon: 'soon' is not a date of the form YYYY, YYYY-MM or YYYY-MM-DD"),
        ("kind:exprot", "unknown kind 'exprot' (did you mean 'export'?)"),
        ("country:Narnia", "unknown country 'Narnia': give its ISO code, as in country:CN"),
        ("colour:red", f"unknown field 'colour:' (did you mean 'country'?){QUOTE}"),
        ("size:big", f"unknown field 'size:' (known: {', '.join(search.FIELDS)}){QUOTE}"),
        ("kinds:export", f"unknown field 'kinds:' (did you mean 'kind'?){QUOTE}"),
    ],
)
def test_a_malformed_filter_is_an_error_naming_it(mini, query, message):
    with pytest.raises(QueryError) as caught:
        search.search(mini, query)
    assert str(caught.value) == message


def test_text_with_a_colon_is_searched_when_quoted_or_numeric(mini):
    assert found(mini, '"Access to"') == ["guild-benefits"]
    assert found(mini, "10:30") == []


# --- plain text, limits, and anything at all ------------------------------------------------------


def test_the_limit_keeps_the_best(mini):
    everything = found(mini, "acme")
    assert found(mini, "acme", limit=2) == everything[:2]


@pytest.mark.parametrize("query", ["", "   ", "\t\n", "-", '""', "- -", "(", "*", ".*", "^", "?"])
def test_a_search_without_words_is_an_error(mini, query):
    with pytest.raises(QueryError, match="at least one word"):
        search.search(mini, query)


@pytest.mark.parametrize("query", ["[italic]", "$9", "[link=x]", "x.*", "(z)"])
def test_regex_and_markup_characters_are_searched_as_text(mini, query):
    assert found(mini, query) == []


def test_or_and_a_bar_between_words_mean_either(mini):
    either = set(found(mini, "guild OR jane"))
    assert either == set(found(mini, "guild")) | set(found(mini, "jane"))
    assert set(found(mini, "guild|jane")) == either == set(found(mini, "guild | jane"))
    assert found(mini, "guild OR jane benefits") == ["guild-benefits"]


def test_a_typo_repair_that_finds_nothing_is_not_searched_for(mini):
    assert search.search(mini, "acmee founded").corrections == (("acmee", "acme"),)
    result = search.search(mini, "acmee founded tungsten")  # no fact has all three
    assert (result.hits, result.corrections) == ((), ())
    assert result.hint == "no fact has the word 'acmee' (did you mean 'acme'?)"


def test_markup_in_a_fact_is_found_as_written(mini):
    assert found(mini, "[bold]markets[/bold]") == ["guild-benefits"]


@given(st.text(max_size=60))
@example('"\x000')  # NUL in a quoted phrase: SQLite would cut the FTS5 query there
def test_search_never_fails_on_any_text(text):
    base = load([MINI])
    try:
        results = search.search(base, text)
    except QueryError as error:
        results = search.Results(())
        message = str(error)  # a malformed query says what is wrong, on one line
        assert message
        assert "\n" not in message
    for hit in results.hits:
        assert hit.score >= 0
        assert hit.fact in base.facts


def test_the_database_of_a_loaded_base_is_made_once_per_base(mini):
    assert db.database_of(mini) is db.database_of(mini)
    assert db.database_of(load([MINI])) is db.database_of(mini)  # the same records
    other = loads(MINI.read_text().replace("Acme", "Acme Metals"), name="other.toml")
    assert db.database_of(other) is not db.database_of(mini)


def test_after_and_before_cross_month_ends():
    assert found(mini_base(), "after:2025-02-28 kind:membership") == ["guild-membership"]
    assert found(mini_base(), "before:2025-03-01 kind:membership") == []
    assert found(mini_base(), "before:2025-03-01 kind:benefit") == ["guild-benefits"]  # 2025


@pytest.mark.parametrize("name", ["—", "\\u001b", "***"])  # as TOML writes them
def test_an_entity_named_without_a_word_is_found_by_its_id(tmp_path, name):
    facts = tmp_path / "facts.toml"
    facts.write_text(
        MINI.read_text(encoding="utf-8")
        + f'\n[[entity]]\nid = "added"\nname = "{name}"\ntype = "company"\n'
        + '\n[[fact]]\nid = "one-added"\ndate = "2025"\nkind = "statement"\ntitle = "A fact"\n'
        + 'text = "Of nothing."\nentities = ["added"]\nsources = ["'
        + load([MINI]).sources[0].id
        + '"]\n',
        encoding="utf-8",
    )
    base = load([facts])
    assert found(base, "added") == ["one-added"]
    assert found(base, '"added" fact') == ["one-added"]
