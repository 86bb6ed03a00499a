import gc
import json
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tmkfacts
from tmkfacts import FactsError, PartialDate, db, load, loads
from tmkfacts.locations import builtin_path

from .conftest import MINI


def test_mini_base_loads_into_typed_records():
    base = load([MINI])
    assert [s.id for s in base.sources] == ["wire-2025-07-14", "blog-2025"]
    assert [e.id for e in base.entities] == ["tmk", "holding", "buyer", "guild", "jane-doe"]
    export = base.fact("first-export")
    assert export.date == PartialDate(2025, 7)
    assert export.entities == ("tmk", "buyer")
    assert export.figures[0].value == 21.3
    assert export.figures[0].change_pct == 118
    assert export.origin is not None
    assert export.origin.line == 55  # its [[fact]] header
    # A TOML date is taken at day precision; a multi-line string keeps its text exactly.
    founded = base.fact("founded")
    assert founded.date == PartialDate(2024, 6, 3)
    assert founded.text == "Acme was set up\nin June 2024."
    assert base.entity("buyer").parent == "holding"
    assert base.entity("buyer").relations == ("buyer",)
    assert base.files == (str(MINI),)


def test_lookups_raise_keyerror_for_unknown_ids():
    base = load([MINI])
    with pytest.raises(KeyError):
        base.fact("nope")
    with pytest.raises(KeyError):
        base.entity("nope")
    with pytest.raises(KeyError):
        base.source("nope")


def test_default_is_the_shipped_base():
    assert load().files == (str(builtin_path()),)
    assert builtin_path().is_file()


def test_loading_never_changes_the_file(tmp_path):
    path = tmp_path / "facts.toml"
    shutil.copy(MINI, path)
    path.chmod(0o444)
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    load([path])
    with pytest.raises(FactsError):
        load([path, path])  # every id twice: an error, and still no write
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["facts.toml"]


def test_a_later_file_may_refer_to_an_earlier_one(tmp_path):
    extra = tmp_path / "mine.toml"
    extra.write_text(
        '[[fact]]\nid = "mine"\ndate = "2025-08"\nkind = "meeting"\ntitle = "Mine"\n'
        'text = "Added by a user."\nentities = ["tmk"]\nsources = ["blog-2025"]\n',
        encoding="utf-8",
    )
    base = load([MINI, extra])
    assert base.fact("mine").entities == ("tmk",)
    assert base.files == (str(MINI), str(extra))


def test_duplicate_ids_across_files_name_both_places(tmp_path):
    copy = tmp_path / "copy.toml"
    shutil.copy(MINI, copy)
    with pytest.raises(FactsError) as caught:
        load([MINI, copy])
    first = str(caught.value.problems[0])
    assert first == (
        f"{copy}:4: wire-2025-07-14: duplicate source id 'wire-2025-07-14' "
        f"(first defined at {MINI}:4)"
    )
    assert len(caught.value.problems) == 2 + 5 + 5


def test_missing_file_and_folder_are_unreadable(tmp_path):
    with pytest.raises(FactsError) as caught:
        load([tmp_path / "absent.toml", tmp_path])
    assert caught.value.unreadable
    assert [str(p) for p in caught.value.problems] == [
        f"{tmp_path / 'absent.toml'}: no such file",
        f"{tmp_path}: is a folder, not a fact file",
    ]


def test_unreadable_file_is_reported(tmp_path, monkeypatch):
    path = tmp_path / "secret.toml"
    path.write_text("", encoding="utf-8")

    def refuse(self):
        raise PermissionError(13, "Permission denied", str(self))

    # Set by hand rather than chmod: tests may run as root, who can read anything.
    monkeypatch.setattr(Path, "read_bytes", refuse)
    with pytest.raises(FactsError) as caught:
        load([path])
    assert caught.value.unreadable
    assert str(caught.value) == f"{path}: permission denied"


def test_syntax_error_carries_line_and_column():
    with pytest.raises(FactsError) as caught:
        loads('[[fact]]\nid = "x"\ntitle = = 3\n', name="f.toml")
    (problem,) = caught.value.problems
    assert (problem.file, problem.line, problem.column, problem.category) == (
        "f.toml",
        3,
        9,
        "syntax",
    )
    assert str(problem) == "f.toml:3:9: invalid TOML: Invalid value"
    assert isinstance(problem, tmkfacts.Problem)


def test_error_message_counts_the_rest():
    with pytest.raises(FactsError) as caught:
        loads('[[fact]]\nid = "x"\n', name="f.toml")
    assert str(caught.value) == "f.toml:1: x: missing required key 'date' (and 5 more)"
    assert not caught.value.unreadable


@pytest.mark.parametrize("opening", ["[", "{a = "])
def test_deep_nesting_is_a_syntax_problem(opening):
    with pytest.raises(FactsError) as caught:
        loads("x = " + opening * 100_000, name="deep.toml")
    assert str(caught.value) == "deep.toml: invalid TOML: arrays or tables are nested too deeply"


def test_utf8_bom_is_accepted():
    base = loads(b"\xef\xbb\xbf" + MINI.read_bytes())
    assert len(base.facts) == len(load([MINI]).facts) == 5


def test_empty_document_is_an_empty_base():
    base = loads("")
    assert (base.sources, base.entities, base.facts) == ((), (), ())


# --- the loader on arbitrary input -----------------------------------------------------------


def _toml_value(value):
    """Write a value as TOML (JSON's escapes are valid TOML basic-string escapes)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    return "{" + ", ".join(f"{json.dumps(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"


_KEYS = st.sampled_from(
    [
        "id",
        "date",
        "kind",
        "title",
        "text",
        "entities",
        "sources",
        "figures",
        "name",
        "type",
        "parent",
        "organization",
        "country",
        "url",
        "published",
        "value",
        "materials",
        "extra",
    ]
)
_SCALARS = (
    st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.sampled_from(["2025", "2025-02-30", "tmk", "s", "export", "company", "https://x.org"])
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_KEYS, inner, max_size=4),
    max_leaves=10,
)
_RECORDS = st.dictionaries(_KEYS, _VALUES, max_size=8)
_DOCUMENTS = st.dictionaries(
    st.sampled_from(["source", "entity", "fact", "facts"]),
    st.lists(_RECORDS, max_size=3) | _VALUES,
    max_size=3,
)


def _assert_loads_or_own_error(document):
    """Anything but a FactBase or a FactsError with located, printable problems fails the test."""
    problems = None
    try:
        base = loads(document)
    except FactsError as error:
        problems = error.problems
    else:
        assert isinstance(base, tmkfacts.FactBase)
    if problems is not None:
        assert problems
        assert all(str(problem).startswith("<string>") for problem in problems)


@given(st.binary(max_size=300))
@settings(suppress_health_check=[HealthCheck.too_slow])
def test_any_bytes_load_or_raise_facts_error(data):
    _assert_loads_or_own_error(data)


@given(st.text(max_size=300))
def test_any_text_loads_or_raises_facts_error(text):
    _assert_loads_or_own_error(text)


@given(_DOCUMENTS)
def test_any_toml_structure_loads_or_raises_facts_error(document):
    text = "\n".join(f"{json.dumps(key)} = {_toml_value(value)}" for key, value in document.items())
    _assert_loads_or_own_error(text)


@given(st.lists(st.sampled_from(MINI.read_text(encoding="utf-8").splitlines()), max_size=40))
def test_shuffled_lines_of_a_real_file_load_or_raise_facts_error(lines):
    _assert_loads_or_own_error("\n".join(lines))


def test_shipped_file_is_read_from_the_package_when_installed(tmp_path, monkeypatch):
    packaged = tmp_path / "tmkfacts" / "data" / "facts.toml"
    packaged.parent.mkdir(parents=True)
    packaged.write_text("", encoding="utf-8")
    monkeypatch.setattr("tmkfacts.locations.__file__", str(tmp_path / "tmkfacts" / "locations.py"))
    assert builtin_path() == packaged
    packaged.unlink()
    assert builtin_path() == Path(tmp_path / "data" / "facts.toml")


@pytest.mark.parametrize("enabled", [True, False])
def test_reading_leaves_the_garbage_collector_as_it_found_it(enabled, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[[fact]]\nid = ")
    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        assert load([MINI]).facts
        assert db.load([MINI]).count
        assert db.load([MINI]).count  # from the cache
        with pytest.raises(FactsError):
            load([bad])
        with pytest.raises(FactsError):
            db.load([bad])
        assert gc.isenabled() == enabled
    finally:
        (gc.enable if was else gc.disable)()
