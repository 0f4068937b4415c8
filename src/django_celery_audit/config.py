"""Selecting rules: ``--select``/``--ignore`` and the audited project's ``[tool.django-celery-
audit]``."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django_celery_audit.model import Severity

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


def resolve_codes(selectors: Iterable[str], known: Iterable[str], *, source: str) -> set[str]:
    """Expand codes and prefixes (``DCA1``: every DCA1xx) to known codes; reject the unknown."""
    known = sorted(known)
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


def load_project_settings(root: Path) -> Settings:
    """Read ``[tool.django-celery-audit]`` from ``root/pyproject.toml``, if there is one."""
    path = root / "pyproject.toml"
    if not path.is_file():
        return Settings()
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None
    table = data.get("tool", {}).get(TABLE)
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
