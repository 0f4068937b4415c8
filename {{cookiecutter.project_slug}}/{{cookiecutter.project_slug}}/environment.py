"""Choose the settings module for this process: the one place that does.

Every entry point (manage.py, wsgi.py, asgi.py, celery.py) calls ``start()`` and names no
settings module itself, so the web process, the workers and the shell cannot disagree
about which settings they run with. A configuration error stops every one of them with
the same short block on stderr: it is a message for a person, not a bug to trace.
"""

import difflib
import importlib
import os
import sys
from collections.abc import MutableMapping, Sequence

from django.core.exceptions import ImproperlyConfigured

ENVIRONMENTS = ("development", "staging", "production", "testing")
DEFAULT_ENVIRONMENT = "development"
SETTINGS_PACKAGE = f"{__package__}.settings"
# sysexits.h EX_CONFIG: what service managers read as "fix the configuration, do not retry".
EXIT_CONFIGURATION = 78
# gunicorn restarts a worker that exits with any status but its own 3 and 4, forever; 4 ("App
# failed to load") stops the server.
EXIT_GUNICORN_APP_LOAD_ERROR = 4


class ConfigurationError(ImproperlyConfigured):
    """The environment asks for something this project cannot run with.

    ``hints`` are the lines that help fix it; both end up in the one block a person reads.
    """

    def __init__(self, problem: str, hints: Sequence[str] = ()) -> None:
        self.problem = problem
        self.hints = list(hints)
        super().__init__(" ".join([problem, *self.hints]))


def closest_environment(name: str) -> str | None:
    """The environment someone typing ``name`` most likely meant ("prod" -> production)."""
    name = name.lower()
    prefixed = [known for known in ENVIRONMENTS if known.startswith(name[:3])]
    if len(prefixed) == 1:
        return prefixed[0]
    matches = difflib.get_close_matches(name, ENVIRONMENTS, n=1, cutoff=0.5)
    return matches[0] if matches else None


def chosen_environment(environ: MutableMapping[str, str] = os.environ) -> tuple[str, bool]:
    """The environment DJANGO_ENVIRONMENT names, and whether it was left to the default."""
    chosen = environ.get("DJANGO_ENVIRONMENT", "").strip()
    return (chosen, False) if chosen else (DEFAULT_ENVIRONMENT, True)


def settings_module(environ: MutableMapping[str, str] = os.environ) -> str:
    """Return the settings module that DJANGO_ENVIRONMENT selects.

    Raise ConfigurationError for an unknown environment, or when DJANGO_SETTINGS_MODULE
    is already set to something else: two selections that disagree are a bug to fix, not
    a tie to break.
    """
    chosen, defaulted = chosen_environment(environ)
    if chosen not in ENVIRONMENTS:
        suggestion = closest_environment(chosen)
        raise ConfigurationError(
            f"DJANGO_ENVIRONMENT={chosen!r} is not an environment of this project.",
            [
                *([f"Did you mean DJANGO_ENVIRONMENT={suggestion}?"] if suggestion else []),
                f"Use one of: {', '.join(ENVIRONMENTS)}.",
            ],
        )
    module = f"{SETTINGS_PACKAGE}.{chosen}"
    already_set = environ.get("DJANGO_SETTINGS_MODULE")
    if already_set and already_set != module:
        meant = already_set.removeprefix(f"{SETTINGS_PACKAGE}.")
        raise ConfigurationError(
            f"DJANGO_SETTINGS_MODULE={already_set!r} disagrees with "
            f"DJANGO_ENVIRONMENT={chosen!r}{' (the default)' if defaulted else ''}, "
            f"which selects {module!r}.",
            [
                "Unset DJANGO_SETTINGS_MODULE and choose with DJANGO_ENVIRONMENT alone"
                + (f" (DJANGO_ENVIRONMENT={meant})." if meant in ENVIRONMENTS else "."),
            ],
        )
    return module


def configure_settings(environ: MutableMapping[str, str] = os.environ) -> str:
    """Select the settings module and export it for Django (and child processes)."""
    module = settings_module(environ)
    environ["DJANGO_SETTINGS_MODULE"] = module
    return module


def error_block(error: ImproperlyConfigured, environ: MutableMapping[str, str] = os.environ) -> str:
    """The lines a person needs to fix ``error``: what is wrong, how to fix it, and with what."""
    problem = error.problem if isinstance(error, ConfigurationError) else str(error)
    hints = error.hints if isinstance(error, ConfigurationError) else []
    chosen, defaulted = chosen_environment(environ)
    if defaulted:
        hints = [*hints, f"DJANGO_ENVIRONMENT is not set: {chosen} is the default."]
    lines = [f"{__package__} cannot start: configuration error", problem, *hints]
    return "\n  ".join(lines) + "\n"


def start() -> str:
    """Select and import the settings; on a configuration error, say so and exit.

    Every entry point calls this, and importing the project package does too (through
    celery.py), so the first import decides: importing the settings here, before Django or
    Celery do, reports an error raised while they load the same way everywhere, with no
    traceback. ``manage.py diagnose`` gets it as its first failed check.
    """
    try:
        module = configure_settings()
        importlib.import_module(module)
    except ImproperlyConfigured as error:
        block = error_block(error)
        if sys.argv[1:2] == ["diagnose"]:
            sys.stdout.write(f"settings  FAILED\n  {block}")
            sys.stderr.write("diagnose failed: settings (configuration error)\n")
            sys.exit(1)
        sys.stderr.write(block)
        sys.exit(EXIT_GUNICORN_APP_LOAD_ERROR if "gunicorn" in sys.modules else EXIT_CONFIGURATION)
    return module
