"""The wheel carries the fact base: installed elsewhere, it finds its facts from any folder."""

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tmkfacts import load

from .conftest import assert_jq_reads, clean_env, ok_line

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("tmkfacts-*.whl")
    return built


def test_wheel_ships_the_fact_base_inside_the_package(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        assert "tmkfacts/data/facts.toml" in names
        assert "tmkfacts/py.typed" in names
        shipped = archive.read("tmkfacts/data/facts.toml")
    assert shipped == (ROOT / "data" / "facts.toml").read_bytes()


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("site")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    return target


def run_installed(installed: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = clean_env()
    env["PYTHONPATH"] = str(installed)  # the installed copy comes before the checkout
    return subprocess.run(
        [sys.executable, "-m", "tmkfacts", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )


def test_installed_wheel_checks_its_facts_from_another_folder(installed, tmp_path):
    done = run_installed(installed, tmp_path, "check")
    assert done.returncode == 0, done.stderr
    assert done.stdout == ok_line(load(), str(installed / "tmkfacts" / "data" / "facts.toml"))


@pytest.mark.parametrize(
    "command",
    [
        "list",
        "search rhenium",
        "show first-metallic-rhenium-export",
        "partners",
        "memberships",
        "timeline",
        "summary",
        "sources",
        "info",
        "cite itia-membership",
        "schema list",
    ],
)
def test_installed_wheel_answers_every_command_from_another_folder(installed, tmp_path, command):
    table = run_installed(installed, tmp_path, *command.split(), "--format", "table")
    if command.startswith(("cite", "schema")):  # their own formats
        table = run_installed(installed, tmp_path, *command.split())
    assert table.returncode == 0, table.stderr
    assert table.stdout.strip()
    if command.startswith("schema"):
        assert json.loads(table.stdout)["type"] == "array"
        return
    if command.startswith("cite"):
        as_json = run_installed(installed, tmp_path, *command.split(), "--format", "json")
        assert json.loads(as_json.stdout)
        return
    as_json = run_installed(installed, tmp_path, *command.split(), "--json")
    assert as_json.returncode == 0, as_json.stderr
    assert json.loads(as_json.stdout)
    assert_jq_reads(as_json.stdout)
