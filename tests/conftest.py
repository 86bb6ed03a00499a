"""Shared fixtures: the small test base and the folder of invalid fact files."""

from __future__ import annotations

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


@pytest.fixture
def regen_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--regen-golden"))


@pytest.fixture(autouse=True)
def _no_env_data(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep a developer's TMKFACTS_DATA from leaking into tests."""
    monkeypatch.delenv("TMKFACTS_DATA", raising=False)
