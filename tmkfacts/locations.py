"""Where fact files are: the shipped base, the user's own folder, and names for them.

Kept apart from `tmkfacts.store`, which parses files, so that finding them costs nothing.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

StrPath = str | os.PathLike[str]

#: The largest fact file read: parsing takes several times a file's size in memory, so this
#: keeps a mistaken or hostile file from exhausting it, while a base of 100,000 facts (about
#: 45 MB) still loads. Split a bigger base into several files.
MAX_FILE_BYTES = 64 * 2**20


def builtin_path() -> Path:
    """The shipped fact base: inside the installed package, else the checkout's data/ folder."""
    here = Path(__file__).resolve().parent
    packaged = here / "data" / "facts.toml"
    return packaged if packaged.is_file() else here.parent / "data" / "facts.toml"


#: The name that stands for the shipped base in --data and TMKFACTS_DATA.
BUILTIN = "builtin"


def user_data_dir() -> Path | None:
    r"""The folder of the user's own fact files, by the platform's convention; None without home.

    $XDG_DATA_HOME/tmkfacts (by default ~/.local/share/tmkfacts) on Linux and other Unixes,
    ~/Library/Application Support/tmkfacts on macOS, %APPDATA%\tmkfacts on Windows.
    """
    if os.name == "nt" and os.environ.get("APPDATA"):
        return Path(os.environ["APPDATA"]) / "tmkfacts"
    if os.environ.get("XDG_DATA_HOME"):
        return Path(os.environ["XDG_DATA_HOME"]) / "tmkfacts"
    try:
        home = Path.home()
    except (RuntimeError, KeyError):  # no HOME and no entry in the password database
        return None
    if sys.platform == "darwin":
        return home / "Library" / "Application Support" / "tmkfacts"
    return home / ".local" / "share" / "tmkfacts"


def default_paths() -> list[Path]:
    """The files read when none are named: the shipped base, then the user's *.toml by name."""
    folder = user_data_dir()
    try:
        mine = sorted(folder.glob("*.toml")) if folder is not None and folder.is_dir() else []
    except OSError:  # an unreadable folder holds no files we can read
        mine = []
    return [builtin_path(), *mine]


def checkout_data(start: Path | None = None) -> Path | None:
    """The data/facts.toml of the checkout of tmkfacts that holds the folder, if it is in one.

    A curator editing the checkout's file means it, not the copy installed from it.
    """
    folder = (start or Path.cwd()).resolve()
    for each in (folder, *folder.parents):
        candidate = each / "data" / "facts.toml"
        project = each / "pyproject.toml"
        try:
            if candidate.is_file() and 'name = "tmkfacts"' in project.read_text("utf-8"):
                return candidate
        except (OSError, UnicodeDecodeError):
            continue
    return None


def resolve(name: StrPath) -> Path:
    """The file a --data or TMKFACTS_DATA entry names: `builtin` is the shipped base."""
    return builtin_path() if str(name) == BUILTIN else Path(name)
