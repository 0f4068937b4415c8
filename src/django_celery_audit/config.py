"""Selecting rules: ``--select``/``--ignore`` and the audited project's ``[tool.django-celery-
audit]``."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django_celery_audit.model import Severity
from django_celery_audit.safeio import read_regular_file

TABLE = "django-celery-audit"


class ConfigError(ValueError):
    """A usage or configuration problem: reported on one line, exit status 2."""


@dataclass
class Settings:
    select: list[str] | None = None
    ignore: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    fail_on: Severity | None = None


def split_codes(values: Iterable[str]) -> list[str]:
    codes: list[str] = []
    for value in values:
        codes.extend(part.strip().upper() for part in value.split(",") if part.strip())
    return codes


def resolve_codes(
    selectors: Iterable[str], known: Iterable[str], *, source: str, empty_ok: bool = True
) -> set[str]:
    """Expand codes and prefixes (``DCA1``: every DCA1xx) to known codes; reject the unknown,
    and (unless ``empty_ok``) a selection of nothing, which would run no rule at all."""
    known = sorted(known)
    selectors = list(selectors)
    if not selectors and not empty_ok:
        raise ConfigError(f"{source} selects no rules (leave it out to run every rule)")
    chosen: set[str] = set()
    for selector in selectors:
        matches = {code for code in known if code.startswith(selector)}
        if not matches:
            raise ConfigError(f"unknown rule code {selector!r} in {source}")
        chosen |= matches
    return chosen


def _string_list(table: dict[str, object], key: str, path: Path) -> list[str] | None:
    value = table.get(key)
    if value is None:
        return None
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{path}: [tool.{TABLE}] {key} must be a list of strings")
    return value


MAX_PYPROJECT = 4 * 1024 * 1024


def _read_toml(path: Path) -> dict[str, object]:
    """Parse ``path`` or raise :class:`ConfigError` with one line saying why (never a traceback:
    not UTF-8, not a regular file, too big, nested too deep, or not TOML)."""
    try:
        raw = read_regular_file(path, MAX_PYPROJECT)
    except OSError as exc:
        raise ConfigError(f"cannot read {path} ({exc.strerror or exc})") from None
    if len(raw) > MAX_PYPROJECT:
        raise ConfigError(f"cannot read {path}: larger than {MAX_PYPROJECT // (1024 * 1024)} MiB")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"cannot read {path}: not UTF-8 (byte {exc.start + 1})") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None
    except RecursionError:
        raise ConfigError(f"cannot read {path}: nested too deeply to parse") from None


def load_project_settings(root: Path) -> Settings:
    """Read ``[tool.django-celery-audit]`` from ``root/pyproject.toml``, if there is one."""
    path = root / "pyproject.toml"
    if not os.path.lexists(path):
        return Settings()
    data = _read_toml(path)
    tool = data.get("tool", {})
    if not isinstance(tool, dict):
        raise ConfigError(f"{path}: 'tool' must be a table, not {type(tool).__name__}")
    table = tool.get(TABLE)
    if table is None:
        return Settings()
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.{TABLE}] must be a table")
    unknown = sorted(set(table) - {"select", "ignore", "exclude", "fail-on"})
    if unknown:
        raise ConfigError(f"{path}: unknown key {unknown[0]!r} in [tool.{TABLE}]")
    settings = Settings(
        select=split_codes(s) if (s := _string_list(table, "select", path)) is not None else None,
        ignore=split_codes(_string_list(table, "ignore", path) or []),
        exclude=_string_list(table, "exclude", path) or [],
    )
    fail_on = table.get("fail-on")
    if fail_on is not None:
        try:
            settings.fail_on = Severity.parse(str(fail_on))
        except ValueError as exc:
            raise ConfigError(f"{path}: [tool.{TABLE}] fail-on: {exc}") from None
    return settings
