"""Shared fixtures: the small test base and the folder of invalid fact files."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
INVALID = DATA / "invalid"
MINI = DATA / "mini.toml"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--regen-golden",
        action="store_true",
        help="rewrite the expected output of tests/data/invalid/*.txt from the current code",
    )


@pytest.fixture
def regen_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--regen-golden"))


@pytest.fixture(autouse=True)
def _no_env_data(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep a developer's TMKFACTS_DATA from leaking into tests."""
    monkeypatch.delenv("TMKFACTS_DATA", raising=False)
