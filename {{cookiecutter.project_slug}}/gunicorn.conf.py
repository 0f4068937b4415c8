"""gunicorn's own lines (start-up, workers, access log) as JSON too, like the project's.

gunicorn reads ./gunicorn.conf.py from the directory it starts in.
https://docs.gunicorn.org/en/stable/settings.html#logconfig-dict
"""

_JSON_TO_STDERR = {
    "class": "logging.StreamHandler",
    "formatter": "json",
    "stream": "ext://sys.stderr",
}

logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "{{ cookiecutter.project_slug }}.logs.JsonFormatter"}},
    "handlers": {"console": _JSON_TO_STDERR},
    "root": {"level": "INFO", "handlers": ["console"]},
    "loggers": {
        # Their own handler, not the root's: Django's LOGGING replaces the root's in workers.
        "gunicorn.error": {"level": "INFO", "handlers": ["console"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": ["console"], "propagate": False},
    },
}
