"""Command line: ``django-celery-audit PATH [--format ...] [--fail-on ...] [--select ...] [--ignore
...] [--no-gitignore]``, and ``django-celery-audit layout PATH`` (or ``PATH --layout``) for the
project's layout side by side with the template's.

Exit status: 0 when no finding reaches ``--fail-on``, 1 when one does, 2 for usage errors. The
layout report exits 0 (it describes; the DCA5xx findings are what fail a build).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from django_celery_audit import TOOL_NAME, __version__
from django_celery_audit.config import (
    ConfigError,
    load_project_settings,
    resolve_codes,
    split_codes,
)
from django_celery_audit.context import Project
from django_celery_audit.engine import audit, project_root_of
from django_celery_audit.layout import report as layout_report
from django_celery_audit.model import Severity
from django_celery_audit.output import LAYOUT_RENDERERS, RENDERERS
from django_celery_audit.registry import load_rules

EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        """One line on stderr and exit status 2 (argparse would print the usage too)."""
        self.exit(EXIT_USAGE, f"{TOOL_NAME}: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=TOOL_NAME,
        description="Statically audit a Django + Celery project for the settings bugs that put "
        "workers on the wrong database. Never imports or runs the audited code.",
    )
    parser.add_argument(
        "path", metavar="PATH", nargs="?", help="project directory (or one .py file)"
    )
    parser.add_argument("--format", choices=sorted(RENDERERS), default="text")
    parser.add_argument(
        "--fail-on",
        choices=[s.label for s in Severity],
        default=None,
        help="exit 1 when a finding has at least this severity (default: error)",
    )
    parser.add_argument(
        "--select",
        action="append",
        default=None,
        metavar="CODES",
        help="only these codes or prefixes, comma-separated (e.g. DCA1,DCA203)",
    )
    parser.add_argument(
        "--ignore",
        action="append",
        default=[],
        metavar="CODES",
        help="skip these codes or prefixes, comma-separated",
    )
    parser.add_argument(
        "--no-gitignore",
        dest="gitignore",
        action="store_false",
        help="audit files that .gitignore ignores too (by default they are left out, as ruff does)",
    )
    parser.add_argument(
        "--layout",
        action="store_true",
        help="print the project's layout next to the template's instead of findings "
        "(also: django-celery-audit layout PATH)",
    )
    parser.add_argument("--list-rules", action="store_true", help="print the rules and exit")
    parser.add_argument("--version", action="version", version=f"{TOOL_NAME} {__version__}")
    return parser


def _list_rules() -> str:
    lines = []
    for rule in load_rules().values():
        lines.append(f"{rule.code}  {rule.severity.label:<7}  {rule.name}: {rule.title}")
    return "\n".join(lines) + "\n"


def _usage_error(message: str) -> int:
    sys.stderr.write(f"{TOOL_NAME}: error: {message}\n")
    return EXIT_USAGE


def _write(text: str) -> None:
    """Write to stdout whatever its encoding: what it cannot encode is shown escaped."""
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    try:
        sys.stdout.write(text)
    except UnicodeEncodeError:
        sys.stdout.write(text.encode(encoding, "backslashreplace").decode(encoding, "replace"))


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if len(argv) >= 2 and argv[0] == "layout":  # the subcommand spelling of --layout
        argv = [*argv[1:], "--layout"]
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # --help, --version and usage errors
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    if args.list_rules:
        _write(_list_rules())
        return EXIT_CLEAN
    if args.path is None:
        return _usage_error("the following arguments are required: PATH")
    root = Path(args.path)
    if not root.exists():
        return _usage_error(f"PATH {args.path!r} does not exist")
    if root.is_dir():
        try:
            next(iter(root.iterdir()), None)
        except OSError as exc:
            return _usage_error(f"PATH {args.path!r} cannot be read ({exc.strerror or exc})")
    elif root.suffix != ".py" or not root.is_file():
        return _usage_error(f"PATH {args.path!r} is neither a directory nor a Python file")
    else:
        try:
            with root.open("rb"):
                pass
        except OSError as exc:
            return _usage_error(f"PATH {args.path!r} cannot be read ({exc.strerror or exc})")

    known = list(load_rules())
    try:
        project = load_project_settings(root if root.is_dir() else project_root_of(root))
        cli_select = split_codes(args.select) if args.select is not None else None
        select = cli_select if cli_select is not None else project.select
        source = "--select" if cli_select is not None else "select in pyproject.toml"
        chosen = (
            resolve_codes(select, known, source=source, empty_ok=False)
            if select is not None
            else set(known)
        )
        chosen -= resolve_codes(project.ignore, known, source="pyproject.toml")
        chosen -= resolve_codes(split_codes(args.ignore), known, source="--ignore")
        if not chosen:
            raise ConfigError("the selection leaves no rule to run (check --select and --ignore)")
    except ConfigError as exc:
        return _usage_error(str(exc))
    fail_on = Severity.parse(args.fail_on) if args.fail_on else project.fail_on or Severity.ERROR

    if args.layout:
        if not root.is_dir():
            return _usage_error("--layout needs a project directory, not a file")
        if args.format not in LAYOUT_RENDERERS:
            return _usage_error(f"--layout prints text or json, not {args.format}")
        projects: list[Project] = []
        result = audit(
            root, exclude=project.exclude, gitignore=args.gitignore, on_project=projects.append
        )
        _write(LAYOUT_RENDERERS[args.format](result.root, layout_report(projects[0])))
        return EXIT_CLEAN
    result = audit(root, codes=chosen, exclude=project.exclude, gitignore=args.gitignore)
    _write(RENDERERS[args.format](result))
    return EXIT_FINDINGS if any(f.severity >= fail_on for f in result.findings) else EXIT_CLEAN


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
