"""The wheel carries the fact base: installed elsewhere, it finds its facts from any folder."""

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tmkfacts import load

from .conftest import ok_line

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


def test_installed_wheel_checks_its_facts_from_another_folder(wheel, tmp_path):
    target = tmp_path / "site"
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
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "TMKFACTS_DATA"}
    env["PYTHONPATH"] = str(target)  # the installed copy comes before the checkout
    done = subprocess.run(
        [sys.executable, "-m", "tmkfacts", "check"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == ok_line(load(), str(target / "tmkfacts" / "data" / "facts.toml"))
