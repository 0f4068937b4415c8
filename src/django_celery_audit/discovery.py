"""Finding the Python files to audit, without following directory symlinks, entering vendored
trees or ignored paths, or reading anything but regular files."""

from __future__ import annotations

import fnmatch
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django_celery_audit.gitignore import IgnoreFile, inherited_rules, read_ignore_file
from django_celery_audit.safeio import NotRegularFile, describe_mode, read_regular_file

__all__ = ["Candidate", "NotRegularFile", "Unreadable", "iter_python_files", "read_regular_file"]

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


def _ignored(rules: tuple[IgnoreFile, ...], rel: str, name: str, is_dir: bool) -> bool:
    for rule in reversed(rules):  # the deepest .gitignore speaks last, so it is asked first
        verdict = rule.verdict(rel, name, is_dir)
        if verdict is not None:
            return verdict
    return False


def iter_python_files(
    root: Path, exclude: tuple[str, ...] = (), *, gitignore: bool = True
) -> Iterator[Candidate | Unreadable]:
    """Yield every ``*.py`` regular file under ``root`` in a stable order, and every place that
    could not be read (including ``*.py`` names that are FIFOs, devices or sockets).

    Directory symlinks are never followed, and each real directory is entered at most once, so a
    symlink loop cannot make the walk hang. A symlink to a regular file is followed. With
    ``gitignore``, paths the project's ``.gitignore`` files ignore are left out, as git and ruff
    leave them out.
    """
    seen: set[tuple[int, int]] = set()
    top_rules = tuple(inherited_rules(root)) if gitignore else ()
    stack: list[tuple[str, str, tuple[IgnoreFile, ...]]] = [(str(root), "", top_rules)]
    while stack:
        directory, rel_dir, rules = stack.pop()
        try:
            info = os.stat(directory)
            key = (info.st_dev, info.st_ino)
            if key in seen:
                continue
            seen.add(key)
            with os.scandir(directory) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            yield Unreadable(rel_dir or ".", f"directory could not be read ({exc.strerror or exc})")
            continue
        if gitignore and any(e.name == ".gitignore" for e in entries):
            own = read_ignore_file(Path(directory) / ".gitignore", rel_dir)
            if own is not None:
                rules = (*rules, own)
        subdirs: list[tuple[str, str, tuple[IgnoreFile, ...]]] = []
        for entry in entries:
            name = entry.name
            rel = f"{rel_dir}/{name}" if rel_dir else name
            try:
                if entry.is_dir(follow_symlinks=False):
                    if not (
                        _skip_dir(entry)
                        or _excluded(rel, exclude)
                        or (rules and _ignored(rules, rel, name, True))
                    ):
                        subdirs.append((entry.path, rel, rules))
                    continue
                if not name.endswith(".py") or _excluded(rel, exclude):
                    continue
                if rules and _ignored(rules, rel, name, False):
                    continue
                mode = entry.stat(follow_symlinks=False).st_mode
                if stat.S_ISLNK(mode):
                    try:
                        target = os.stat(entry.path)
                    except OSError:
                        continue  # a dangling symlink
                    if stat.S_ISDIR(target.st_mode):
                        continue  # a symlink to a directory is never followed
                    mode, size = target.st_mode, target.st_size
                else:
                    size = entry.stat(follow_symlinks=False).st_size
                if not stat.S_ISREG(mode):
                    yield Unreadable(rel, f"not a regular file ({describe_mode(mode)})")
                    continue
            except OSError as exc:
                yield Unreadable(rel, f"could not be read ({exc.strerror or exc})")
                continue
            yield Candidate(Path(entry.path), rel, size)
        stack.extend(reversed(subdirs))
