"""Helpers shared by several rule modules (not a rule: the leading underscore keeps it out of
discovery)."""

from __future__ import annotations

from django_celery_audit.context import _WORD_SPLIT, env_of_words


def settings_module_env(dotted: str) -> str | None:
    """``development`` for ``proj.settings.dev`` or ``proj.dev_settings``; None for others."""
    last = dotted.rsplit(".", 1)[-1]
    words = [w for w in _WORD_SPLIT.split(last) if w != "settings"]
    return env_of_words(words)
