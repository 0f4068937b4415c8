"""Every command in the template's README is run here (or by .ci/run itself)."""

import json
import re
import subprocess
import sys

import pytest

from tests.helpers import DEFAULT_SLUG, REPO_ROOT, require_service, run

README = (REPO_ROOT / "README.md").read_text()
COOKIECUTTER_JSON = json.loads((REPO_ROOT / "cookiecutter.json").read_text())
TEMPLATE_REPO = COOKIECUTTER_JSON["_template_repo"]


def commands() -> list[str]:
    blocks = re.findall(r"```(?:sh|console)\n(.*?)```", README, flags=re.S)
    lines = [line.removeprefix("$ ") for block in blocks for line in block.splitlines()]
    return [line.split("  #")[0].strip() for line in lines if line.strip()]


def test_readme_lists_exactly_the_commands_tested_here():
    # The first two run in tests/test_newcomer.py.
    assert commands() == [
        f"uvx cookiecutter gh:{TEMPLATE_REPO.removeprefix('https://github.com/')}",
        "uv run pytest",
        "uv run python benchmarks/run.py",
        f"pip install git+{TEMPLATE_REPO}",
        "django-celery-audit path/to/project",
        "django-celery-audit path/to/project --format sarif",
        "django-celery-audit layout path/to/project",
    ]


def test_ci_runs_the_readme_test_command():
    ci_lines = [line.strip() for line in (REPO_ROOT / ".ci/run").read_text().splitlines()]
    assert ci_lines[-1] == "uv run pytest"


def table_defaults(heading: str) -> dict[str, str]:
    """variable -> default, from the table under a README heading."""
    section = README.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `(\w+)` \| ([^|]*) \|", section, flags=re.M)
    return {name: default.strip() for name, default in rows}


def test_question_and_option_tables_show_the_real_defaults():
    documented = table_defaults("Questions the template asks") | table_defaults("Options")
    asked = {name: value for name, value in COOKIECUTTER_JSON.items() if not name.startswith("_")}
    assert set(documented) == set(asked)
    for name, value in asked.items():
        if isinstance(value, list):
            value = value[0]  # the first choice is the default
        elif isinstance(value, bool):
            value = "yes" if value else "no"
        elif "{{" in value:
            value = "from the name"  # derived by Jinja from another answer
        assert documented[name] == value, name


@pytest.mark.slow
def test_pip_install_gives_a_working_auditor(tmp_path):
    """The README's install command, from a local clone instead of GitHub."""
    run([sys.executable, "-m", "venv", str(tmp_path / "venv")], tmp_path)
    (install,) = [command for command in commands() if command.startswith("pip install")]
    install = install.replace(TEMPLATE_REPO, f"file://{REPO_ROOT}")
    pip = tmp_path / "venv" / "bin" / "pip"
    run([str(pip), *install.split()[1:], "--quiet"], tmp_path, timeout=300)
    audit = str(tmp_path / "venv" / "bin" / "django-celery-audit")

    run([sys.executable, "-m", "cookiecutter", str(REPO_ROOT), "--no-input", "-o", "out"], tmp_path)
    project = tmp_path / "out" / DEFAULT_SLUG
    clean = run([audit, str(project)], tmp_path)
    assert re.fullmatch(r"No findings \(\d+ files audited\)\.\n", clean.stdout), clean.stdout
    layout = run([audit, "layout", str(project)], tmp_path)
    assert layout.stdout.rstrip().endswith("8 of 8 pieces present, 0 missing."), layout.stdout

    settings = project / DEFAULT_SLUG / "settings" / "production.py"
    settings.write_text(
        settings.read_text()
        + "\nimport sys\nif 'pytest' in sys.modules:\n"
        + "    DATABASES = {'default': {'ENGINE': 'django.db.backends.sqlite3'}}\n"
    )
    found = subprocess.run(
        [audit, str(project), "--format", "sarif"], capture_output=True, text=True, check=False
    )
    assert found.returncode == 1
    sarif = json.loads(found.stdout)
    assert sarif["version"] == "2.1.0"
    assert "DCA101" in {result["ruleId"] for result in sarif["runs"][0]["results"]}


@pytest.mark.slow
@pytest.mark.services
@pytest.mark.xdist_group("benchmarks")
def test_benchmark_command_measures_every_figure(tmp_path):
    """The README's benchmark command in its quick mode: every section, every figure, once."""
    require_service("postgresql")
    require_service("redis")
    latest = REPO_ROOT / "benchmarks" / "results" / "latest.json"
    developers_figures = latest.read_bytes() if latest.exists() else None
    results = tmp_path / "quick.json"
    command = f"uv run python benchmarks/run.py --quick --json {results}"
    assert command.startswith(commands()[2])
    run(["bash", "-c", command], REPO_ROOT, timeout=900)
    report = json.loads(results.read_text())
    assert not report["errors"], report["errors"]
    assert report["quick"] and report["runs"] == 1
    assert report["sections"] == benchmark_sections()
    measured = {f["section"] for f in report["figures"] if f["stats"] and not f["skipped"]}
    assert measured == set(report["sections"])
    unmeasured = [f["name"] for f in report["figures"] if f["skipped"] or not f["stats"]]
    assert unmeasured == []
    assert (latest.read_bytes() if latest.exists() else None) == developers_figures


def benchmark_sections() -> list[str]:
    """Every registered section that runs without being asked for by name."""
    from benchmarks.run import load_sections

    return [section.name for section in load_sections() if not section.opt_in]
