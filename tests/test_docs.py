"""The documents say what the code does: commands, fields, kinds and the CI command."""

import re
from pathlib import Path

from tmkfacts.cli import command_names
from tmkfacts.store import _FIELDS
from tmkfacts.vocabularies import ENTITY_TYPES, KINDS, RELATIONS, SCALES

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
FORMAT = (ROOT / "docs" / "facts-format.md").read_text(encoding="utf-8")


def test_ci_runs_the_readme_test_command():
    commands = [
        line.strip() for line in README.splitlines() if line.startswith("    python3 -m venv")
    ]
    assert len(commands) == 2, "the README opens with two commands: run, and test"
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()
    assert ci[-1] == commands[1]


def test_every_command_is_documented_in_the_readme():
    names = command_names()
    assert len(names) == 17
    for name in names:
        assert f"tmkfacts {name}" in README


def test_format_document_names_every_key_kind_type_relation_and_scale():
    documented = set(re.findall(r"`([a-z_ -]+)`", FORMAT))
    for keys in _FIELDS.values():
        assert keys <= documented
    assert set(KINDS) <= documented
    assert set(ENTITY_TYPES) <= documented
    assert set(SCALES) <= documented
    assert set(RELATIONS) <= documented


def test_the_readme_is_read_in_five_minutes():
    assert len(README.encode("utf-8")) < 20_000
    first_screen = "\n".join(README.splitlines()[:24])
    assert "python3 -m venv" in first_screen
    assert ". .venv/bin/activate" in first_screen
    assert "pipx install ." in first_screen
