"""The one settings selector: every entry point goes through it."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from {{ cookiecutter.project_slug }} import environment

ENVIRONMENTS = environment.ENVIRONMENTS
SETTINGS_PACKAGE = environment.SETTINGS_PACKAGE
settings_module = environment.settings_module


def test_unset_means_development():
    assert settings_module({}) == f"{SETTINGS_PACKAGE}.development"


def test_blank_means_development():
    assert settings_module({"DJANGO_ENVIRONMENT": "  "}) == f"{SETTINGS_PACKAGE}.development"


@pytest.mark.parametrize("name", ENVIRONMENTS)
def test_each_environment_selects_its_module(name):
    assert settings_module({"DJANGO_ENVIRONMENT": name}) == f"{SETTINGS_PACKAGE}.{name}"


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("prod", "production"),
        ("Production", "production"),
        ("dev", "development"),
        ("stage", "staging"),
        ("test", "testing"),
        ("live", None),
    ],
)
def test_unknown_environment_suggests_the_closest_one(typed, meant):
    assert environment.closest_environment(typed) == meant
    with pytest.raises(environment.ConfigurationError) as error:
        settings_module({"DJANGO_ENVIRONMENT": typed})
    suggestion = f"Did you mean DJANGO_ENVIRONMENT={meant}?"
    assert (suggestion in error.value.hints) == (meant is not None)


def test_error_block_says_when_the_environment_was_defaulted():
    error = environment.ConfigurationError("Something is wrong.", ["Fix it."])
    defaulted = environment.error_block(error, {})
    assert defaulted.splitlines()[1:] == [
        "  Something is wrong.",
        "  Fix it.",
        "  DJANGO_ENVIRONMENT is not set: development is the default.",
    ]
    chosen = environment.error_block(error, {"DJANGO_ENVIRONMENT": "staging"})
    assert "not set" not in chosen


def test_unknown_environment_lists_the_valid_ones():
    with pytest.raises(ImproperlyConfigured) as error:
        settings_module({"DJANGO_ENVIRONMENT": "prod"})
    message = str(error.value)
    assert "'prod'" in message
    for name in ENVIRONMENTS:
        assert name in message


def test_disagreeing_settings_module_is_an_error_naming_both():
    environ = {
        "DJANGO_ENVIRONMENT": "production",
        "DJANGO_SETTINGS_MODULE": f"{SETTINGS_PACKAGE}.development",
    }
    with pytest.raises(ImproperlyConfigured) as error:
        settings_module(environ)
    message = str(error.value)
    assert f"{SETTINGS_PACKAGE}.development" in message
    assert f"{SETTINGS_PACKAGE}.production" in message


def test_settings_module_without_environment_is_an_error():
    # Unset DJANGO_ENVIRONMENT means development, so a production module disagrees.
    with pytest.raises(ImproperlyConfigured):
        settings_module({"DJANGO_SETTINGS_MODULE": f"{SETTINGS_PACKAGE}.production"})


def test_agreeing_settings_module_is_accepted():
    environ = {
        "DJANGO_ENVIRONMENT": "staging",
        "DJANGO_SETTINGS_MODULE": f"{SETTINGS_PACKAGE}.staging",
    }
    assert settings_module(environ) == f"{SETTINGS_PACKAGE}.staging"


def test_configure_exports_the_choice():
    environ = {"DJANGO_ENVIRONMENT": "production"}
    environment.configure_settings(environ)
    assert environ["DJANGO_SETTINGS_MODULE"] == f"{SETTINGS_PACKAGE}.production"


def test_entry_points_all_use_the_selector():
    # manage.py, wsgi.py, asgi.py and celery.py name no settings module of their own.
    from pathlib import Path

    project = Path(environment.__file__).parent
    entry_points = [project.parent / "manage.py"] + [
        project / name for name in ("wsgi.py", "asgi.py", "celery.py")
    ]
    for path in entry_points:
        source = path.read_text()
        assert "start()" in source, path
        assert "DJANGO_SETTINGS_MODULE" not in source, path
