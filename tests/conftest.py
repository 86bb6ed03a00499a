"""Shared fixtures: the small test base and the folder of invalid fact files."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tmkfacts import FactBase

DATA = Path(__file__).parent / "data"
INVALID = DATA / "invalid"
MINI = DATA / "mini.toml"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--regen-golden",
        action="store_true",
        help="rewrite the expected output of tests/data/invalid/*.txt from the current code",
    )


def ok_line(base: FactBase, files: str | None = None) -> str:
    """What `tmkfacts check` prints for a valid base read from `files`."""
    return (
        f"ok: {len(base.sources)} sources, {len(base.entities)} entities and "
        f"{len(base.facts)} facts checked in {files or ', '.join(base.files)}\n"
    )


def assert_jq_reads(json_text: str | bytes) -> None:
    """jq, where it is installed, reads the text as a non-empty array, as a script would."""
    if shutil.which("jq") is None:
        return
    text = json_text.decode("utf-8") if isinstance(json_text, bytes) else json_text
    done = subprocess.run(
        ["jq", "-e", "length > 0"], input=text, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr


@pytest.fixture
def regen_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--regen-golden"))


@pytest.fixture(autouse=True)
def _no_env_data(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep a developer's TMKFACTS_DATA from leaking into tests."""
    monkeypatch.delenv("TMKFACTS_DATA", raising=False)
