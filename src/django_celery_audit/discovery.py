"""Finding the Python files to audit, without following directory symlinks or entering vendored
trees."""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SKIPPED_DIRS = frozenset(
    {
        "node_modules",
        "migrations",
        "__pycache__",
        "venv",
        "build",
        "dist",
        "site-packages",
        "htmlcov",
        "__pypackages__",
    }
)


@dataclass(frozen=True, slots=True)
class Candidate:
    path: Path
    rel: str  # POSIX, relative to the root
    size: int


@dataclass(frozen=True, slots=True)
class Unreadable:
    rel: str
    reason: str


def _skip_dir(entry: os.DirEntry[str]) -> bool:
    name = entry.name
    if name.startswith(".") or name in SKIPPED_DIRS or name.endswith(".egg-info"):
        return True
    return os.path.exists(os.path.join(entry.path, "pyvenv.cfg"))  # a virtualenv by another name


def _excluded(rel: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatchcase(rel, p) or fnmatch.fnmatchcase(rel + "/", p) for p in patterns)


def iter_python_files(
    root: Path, exclude: tuple[str, ...] = ()
) -> Iterator[Candidate | Unreadable]:
    """Yield every ``*.py`` file under ``root`` in a stable order, and every unreadable place.

    Directory symlinks are never followed, and each real directory is entered at most once, so a
    symlink loop cannot make the walk hang.
    """
    seen: set[tuple[int, int]] = set()
    stack: list[tuple[str, str]] = [(str(root), "")]
    while stack:
        directory, rel_dir = stack.pop()
        try:
            stat = os.stat(directory)
            key = (stat.st_dev, stat.st_ino)
            if key in seen:
                continue
            seen.add(key)
            with os.scandir(directory) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            yield Unreadable(rel_dir or ".", f"directory could not be read ({exc.strerror or exc})")
            continue
        subdirs: list[tuple[str, str]] = []
        for entry in entries:
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            try:
                if entry.is_dir(follow_symlinks=False):
                    if not _skip_dir(entry) and not _excluded(rel, exclude):
                        subdirs.append((entry.path, rel))
                    continue
                if not entry.name.endswith(".py") or _excluded(rel, exclude):
                    continue
                if entry.is_symlink() and not os.path.isfile(entry.path):
                    continue  # a symlink to a directory or to nothing
                size = entry.stat().st_size
            except OSError as exc:
                yield Unreadable(rel, f"could not be read ({exc.strerror or exc})")
                continue
            yield Candidate(Path(entry.path), rel, size)
        stack.extend(reversed(subdirs))
