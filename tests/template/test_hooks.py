"""The hooks: bad answers are refused before anything is written."""

import pytest
from cookiecutter.exceptions import FailedHookException
from cookiecutter.main import cookiecutter

from tests.helpers import REPO_ROOT


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"project_slug": "test"}, "project_slug 'test' would shadow the module"),
        ({"project_slug": "django"}, "project_slug 'django' would shadow the module"),
        ({"project_slug": "celery"}, "project_slug 'celery' would shadow the module"),
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
        ({"description": "two\nlines"}, "description must be one line"),
        ({"use_celery_beat": True, "django_version": "6.1"}, "use_celery_beat needs django_ver"),
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
