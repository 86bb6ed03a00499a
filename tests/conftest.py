"""Shared fixtures: the small test base and the folder of invalid fact files."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from tmkfacts import FactBase

# 50 examples per property keep the suite under a minute on two cores (some examples write
# several databases); `pytest --hypothesis-profile=fuzz` (as bench/fuzz.py runs it) tries 10,000.
settings.register_profile("quick", max_examples=50)
settings.register_profile(
    "fuzz", max_examples=10_000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("quick")

DATA = Path(__file__).parent / "data"
INVALID = DATA / "invalid"
MINI = DATA / "mini.toml"
BENCH = Path(__file__).resolve().parent.parent / "bench"


def generate(count: int, out: Path) -> Path:
    """Write a realistic base of `count` facts to `out` (bench/gen_facts.py); return `out`."""
    command = [sys.executable, str(BENCH / "gen_facts.py"), str(count), "--out", str(out)]
    subprocess.run(command, check=True)
    return out


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated base of 2,500 facts: a few runs of [[fact]] tables, as a big file has."""
    return generate(2500, tmp_path_factory.mktemp("generated") / "facts.toml")


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


def installed_script() -> list[str]:
    """The console script of the environment running the tests, else `python -m tmkfacts`."""
    installed = shutil.which("tmkfacts", path=str(Path(sys.executable).parent))
    return [installed] if installed else [sys.executable, "-m", "tmkfacts"]


def clean_env() -> dict[str, str]:
    """The environment without the variables that choose the fact files, width or colour."""
    chosen = {"TMKFACTS_DATA", "COLUMNS", "NO_COLOR", "FORCE_COLOR"}
    return {k: v for k, v in os.environ.items() if k not in chosen}


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
def _no_env_data(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Keep a developer's TMKFACTS_DATA and own fact files from leaking into tests."""
    monkeypatch.delenv("TMKFACTS_DATA", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("xdg-data")))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))
    monkeypatch.delenv("TMKFACTS_NO_CACHE", raising=False)
    for name in ("NO_COLOR", "FORCE_COLOR", "PAGER"):
        monkeypatch.delenv(name, raising=False)
