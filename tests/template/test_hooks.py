"""The hooks: bad answers are refused before anything is written."""

import subprocess
import sys
import tomllib

import pytest
from cookiecutter.exceptions import FailedHookException
from cookiecutter.main import cookiecutter

from tests.helpers import REPO_ROOT, clean_environment, run
from tests.template import dependency_names

DEPENDENCY = "is the name of a package the project installs"


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"project_slug": "test"}, "project_slug 'test' would shadow the module"),
        ({"project_slug": "django"}, f"project_slug 'django' {DEPENDENCY}"),
        ({"project_slug": "celery"}, f"project_slug 'celery' {DEPENDENCY}"),
        # Distributions and modules the dependencies bring along, whatever the options.
        *[
            ({"project_slug": name}, f"project_slug {name!r} {DEPENDENCY}")
            for name in (
                "asgiref",
                "sqlparse",
                "gunicorn",
                "ruff",
                "tzdata",
                "click",
                "packaging",
                "pluggy",
                "dateutil",
                "python_dateutil",
                "dj__database_url",
            )
        ],
        ({"project_slug": "svc_"}, "must not end with '_': the project name would be 'svc-'"),
        ({"project_slug": "_svc"}, "must be a lowercase Python identifier"),
        ({"project_slug": "site"}, "project_slug 'site' would shadow the module"),
        ({"project_slug": "reports"}, "project_slug 'reports' would shadow the module"),
        ({"project_slug": "class"}, "project_slug 'class' is a Python keyword."),
        ({"project_slug": "My_Service"}, "must be a lowercase Python identifier"),
        ({"project_slug": "my-service"}, "must be a lowercase Python identifier"),
        ({"project_slug": "1service"}, "must be a lowercase Python identifier"),
        ({"project_slug": "s" * 41}, "is longer than 40 characters"),
        ({"project_name": "  ", "project_slug": "blank"}, "project_name must not be empty."),
        ({"project_name": 'Say "hi"', "project_slug": "say_hi"}, "may not contain quotes"),
        ({"author_email": "not-an-email"}, "author_email 'not-an-email' does not look like"),
        ({"author_email": "a@b"}, "author_email 'a@b' does not look like"),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone 'Mars/Olympus_Mons' is not an IANA"),
        # Files of a tz database that zoneinfo loads but that name no place's zone.
        *[
            ({"timezone": zone}, f"timezone {zone!r} is not an IANA")
            for zone in (
                "localtime",
                "posixrules",
                "Factory",
                "posix/Europe/Paris",
                "right/UTC",
                "/usr/share/zoneinfo/UTC",
                "../zoneinfo/UTC",
                "",
            )
        ],
        ({"author_email": "a\x01b@example.com"}, "author_email 'a\\x01b@example.com' does not"),
        ({"description": "two\nlines"}, "description must be one line"),
    ],
    ids=lambda value: str(value)[:40],
)
def test_bad_answer_is_refused_with_one_clear_line(cookies, capfd, answers, message):
    result = cookies.bake(extra_context=answers, template=str(REPO_ROOT))
    assert result.exit_code == -1, "the pre-generation hook should have refused"
    assert isinstance(result.exception, FailedHookException)
    errors = [line for line in capfd.readouterr().err.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, errors
    assert message in errors[0]
    assert result.project_path is None


def test_every_problem_is_listed_at_once(cookies, capfd):
    answers = {"project_slug": "import", "author_email": "nobody", "timezone": "Nowhere/City"}
    result = cookies.bake(extra_context=answers, template=str(REPO_ROOT))
    assert result.exit_code == -1
    errors = [line for line in capfd.readouterr().err.splitlines() if line.startswith("error: ")]
    assert len(errors) == 3
    assert {error.split()[1] for error in errors} == {"project_slug", "author_email", "timezone"}


def test_refused_answers_leave_no_directory(tmp_path):
    with pytest.raises(FailedHookException):
        cookiecutter(
            str(REPO_ROOT),
            no_input=True,
            extra_context={"project_slug": "test", "author_email": "nobody"},
            output_dir=str(tmp_path),
        )
    assert list(tmp_path.iterdir()) == []


def test_an_unknown_django_version_is_refused(cookies):
    result = cookies.bake(extra_context={"django_version": "4.2"}, template=str(REPO_ROOT))
    assert result.exit_code != 0
    assert "4.2" in str(result.exception)


def test_good_unusual_answers_are_accepted(cookies):
    result = cookies.bake(
        extra_context={"project_name": "Ünïcode Service"},
        template=str(REPO_ROOT),
    )
    assert result.exit_code == 0, result.exception
    assert (result.project_path / "unicode_service" / "settings" / "production.py").is_file()


@pytest.mark.parametrize("zone", ["UTC", "Europe/Paris", "America/Argentina/Buenos_Aires"])
def test_iana_zone_names_are_accepted(cookies, zone):
    result = cookies.bake(extra_context={"timezone": zone}, template=str(REPO_ROOT))
    assert result.exit_code == 0, result.exception


def test_any_unicode_renders_valid_toml_that_uv_and_ruff_read(cookies, tmp_path):
    answers = {
        "project_name": "Grin 😀 Service",
        "project_slug": "grin",
        "description": 'Smiles 😀, 𝄞 and "quotes" with a back\\slash',
        "author_name": "Zoë 🦄 O'Brien",
        "author_email": "zoë@exämple.com",
    }
    result = cookies.bake(extra_context=answers, template=str(REPO_ROOT))
    assert result.exit_code == 0, result.exception
    project = result.project_path
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["description"] == answers["description"]
    assert pyproject["project"]["authors"] == [
        {"name": answers["author_name"], "email": answers["author_email"]}
    ]
    # Both read pyproject.toml first, and refuse a file TOML does not accept.
    environ = clean_environment()
    run([str(REPO_ROOT / ".venv" / "bin" / "ruff"), "check", "--quiet", "."], project, environ)
    run(["uv", "lock", "--quiet"], project, environ)


@pytest.mark.slow
def test_the_hook_refuses_every_name_a_real_resolution_installs():
    """Resolve every option set's dependencies again: the hook's list must hold every name."""
    # The README's command, without --write: it exits 1 and names what the hook misses.
    completed = subprocess.run(
        [sys.executable, "-m", "tests.template.dependency_names"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert completed.returncode == 0, (
        f"{completed.stderr}\nrun `uv run python -m tests.template.dependency_names --write`"
    )
    names = set(completed.stdout.split())
    assert {"asgiref", "sqlparse", "tzdata", "colorama", "dateutil", "pluggy"} <= names
    assert names <= dependency_names.in_hook()


def test_dependency_names_cover_every_dependency_set_the_hook_accepts():
    pyprojects = dependency_names.dependency_sets()
    dependencies = {
        requirement
        for pyproject in pyprojects
        for requirement in tomllib.loads(pyproject)["project"]["dependencies"]
    }
    # Both Django versions, both result stores, beat, Sentry, Flower: every optional dependency.
    optional = {"django-celery-results>=2.6", "django-celery-beat>=2.8", "sentry-sdk>=2.75"}
    optional |= {"flower>=2.2,<3"}
    assert optional <= dependencies
    assert any(requirement.startswith("celery[redis]") for requirement in dependencies)
    assert any(requirement.startswith("django>=6.1") for requirement in dependencies)
    assert len(pyprojects) == len(set(pyprojects))
