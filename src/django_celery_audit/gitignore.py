"""``.gitignore`` rules, read from the files themselves (git need not be installed).

Why not ``git ls-files``/``git check-ignore``: the auditor runs where git is absent (containers,
CI images, unpacked archives) and outside repositories, and one implementation that always runs is
easier to trust than two that differ by environment. Reading the files costs a few milliseconds;
a ``git`` subprocess costs more than that before it answers.

Supported: comments, blank lines, ``\\`` escapes, trailing-space trimming, ``!`` negation, ``/``
anchoring, trailing ``/`` (directories only), ``*``, ``?``, ``[...]`` and ``**``, in every
``.gitignore`` from the repository root down to each directory, plus ``.git/info/exclude``. Not
read: the user's global ``core.excludesFile`` (it describes one person's machine, not the
project). As in git, a file inside an ignored directory cannot be re-included.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from django_celery_audit.safeio import read_regular_file

MAX_IGNORE_FILE = 1024 * 1024  # a larger .gitignore is not one a person wrote: ignore it


def _translate(pattern: str) -> str:
    """The regular expression for one gitignore glob (already stripped of ``!`` and ``/``)."""
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "*":
            if pattern.startswith("**", i):
                at_start = i == 0 or pattern[i - 1] == "/"
                after = pattern[i + 2 : i + 3]
                if at_start and after == "/":
                    out.append("(?:.*/)?")  # **/ : zero or more directories
                    i += 3
                    continue
                if at_start and after == "":
                    out.append(".*")  # trailing /** : everything inside
                    i += 2
                    continue
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            end = pattern.find("]", i + 2 if pattern[i + 1 : i + 2] in ("!", "^", "]") else i + 1)
            if end == -1:
                out.append(re.escape(c))
            else:
                body = pattern[i + 1 : end]
                if body[:1] in ("!", "^"):
                    body = "^" + body[1:]
                out.append("[" + body.replace("\\", "\\\\") + "]")
                i = end
        elif c == "\\" and i + 1 < n:
            i += 1
            out.append(re.escape(pattern[i]))
        else:
            out.append(re.escape(c))
        i += 1
    return "".join(out)


@dataclass(frozen=True, slots=True)
class _Group:
    """Consecutive patterns of one kind, joined into one expression (last match wins in git)."""

    regex: re.Pattern[str]
    negated: bool
    dir_only: bool
    anchored: bool  # matched against the path below the .gitignore's directory, else the name


def parse(text: str) -> list[_Group]:
    groups: list[_Group] = []
    pending: list[str] = []
    kind: tuple[bool, bool, bool] | None = None

    def flush() -> None:
        if pending and kind is not None:
            regex = re.compile("(?:" + "|".join(pending) + r")\Z", re.DOTALL)
            groups.append(_Group(regex, *kind))
        pending.clear()

    for raw in text.splitlines():
        line = raw
        while line.endswith(" ") and not line.endswith("\\ "):
            line = line[:-1]
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        if negated:
            line = line[1:]
        dir_only = line.endswith("/")
        line = line.rstrip("/")
        if not line:
            continue
        anchored = "/" in line
        line = line.lstrip("/")
        try:
            translated = _translate(line)
            re.compile(translated)
        except re.error:
            continue  # git ignores patterns it cannot use; so do we
        this_kind = (negated, dir_only, anchored)
        if this_kind != kind:
            flush()
            kind = this_kind
        pending.append(translated)
    flush()
    return groups


@dataclass(frozen=True, slots=True)
class IgnoreFile:
    base: str  # directory of the .gitignore, POSIX, relative to the audited root ("" for the root)
    groups: tuple[_Group, ...]
    prefix: str = ""  # for files above the audited root: the root's path below their directory

    def verdict(self, rel: str, name: str, is_dir: bool) -> bool | None:
        """True (ignored), False (re-included) or None (no pattern speaks of this path)."""
        if self.prefix:
            rel = f"{self.prefix}/{rel}"
        below = rel[len(self.base) + 1 :] if self.base else rel
        for group in reversed(self.groups):
            if group.dir_only and not is_dir:
                continue
            if group.regex.match(below if group.anchored else name):
                return not group.negated
        return None


def read_ignore_file(path: Path, base: str = "", prefix: str = "") -> IgnoreFile | None:
    """The rules of one ignore file, or None when there is no usable one (never raises)."""
    try:
        raw = read_regular_file(path, MAX_IGNORE_FILE)
    except OSError:  # missing, unreadable, or not a regular file
        return None
    if len(raw) > MAX_IGNORE_FILE:
        return None
    text = raw.decode("utf-8", "replace")
    groups = parse(text)
    return IgnoreFile(base, tuple(groups), prefix) if groups else None


def repository_root(start: Path) -> Path | None:
    """The nearest directory at or above ``start`` that holds ``.git`` (a directory or a file)."""
    for directory in (start, *start.parents):
        if (directory / ".git").exists():
            return directory
    return None


def inherited_rules(root: Path) -> list[IgnoreFile]:
    """Rules that reach ``root`` from above: its repository's ``.git/info/exclude`` and every
    ``.gitignore`` from the repository root down to ``root``'s parent. (``root``'s own
    ``.gitignore`` and those below it are read during the walk.)"""
    repo = repository_root(root)
    if repo is None:
        return []
    below_repo = root.relative_to(repo)
    found: list[IgnoreFile] = []
    exclude = read_ignore_file(repo / ".git" / "info" / "exclude", prefix=below_repo.as_posix())
    if exclude is not None:
        found.append(exclude)
    above = [repo / p for p in reversed(below_repo.parents)] if below_repo.parts else []
    for directory in above:
        rules = read_ignore_file(
            directory / ".gitignore", prefix=root.relative_to(directory).as_posix()
        )
        if rules is not None:
            found.append(rules)
    return found
