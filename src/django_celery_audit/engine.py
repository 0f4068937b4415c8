"""Running the audit: one parse and one walk per file, then the project-level rules.

The walk visits nodes in source order and hands each node to the callbacks registered for its
type (the shared fact collector first, then the selected rules), so no rule walks the file again.
"""

from __future__ import annotations

import ast
import fnmatch
import os
import posixpath
import re
import sys
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path
from types import SimpleNamespace

from django_celery_audit import newparse, prefilter
from django_celery_audit.classify import (
    ENTRY_POINT_FILES,
    app_dirs_of,
    classify_settings,
    defines_tests,
    dotted_name,
    is_test_path,
)
from django_celery_audit.context import FileContext, Project
from django_celery_audit.discovery import (
    Candidate,
    Unreadable,
    iter_python_files,
    read_regular_file,
)
from django_celery_audit.facts import DB_NAMES, FACTS
from django_celery_audit.filefacts import FileFacts, Include
from django_celery_audit.layout import LAYOUT
from django_celery_audit.model import AuditResult, Finding
from django_celery_audit.newparse import newer_pythons, parse_with_newer
from django_celery_audit.processes import Selection, read_pytest_selections
from django_celery_audit.registry import Collector, Rule, load_rules

MAX_FILE_SIZE = 1024 * 1024
PARSE_ERROR = "DCA001"
SKIPPED_FILE = "DCA002"
_SUPPRESSION = re.compile(rb"#\s*audit:\s*ignore\[([A-Za-z0-9_,\s]*)\]")
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
_PARALLEL_THRESHOLD = 400


class Plan:
    """The dispatch table for one run: node type -> callbacks, plus the end-of-file hooks."""

    def __init__(self, codes: set[str], app_dirs: frozenset[str] = frozenset()) -> None:
        self.rules = load_rules()
        self.codes = codes
        self.app_dirs = app_dirs  # folders that are Django apps (for classifying settings)
        self.collectors: list[Collector] = [FACTS, DB_NAMES, LAYOUT] + [
            self.rules[c] for c in sorted(codes)
        ]
        self.project_end = [cb for c in self.collectors for cb in c.project_end]
        self._per_file: dict[tuple[int, ...], tuple[dict[type[ast.AST], list[Callable]], list]] = {}

    def for_file(self, ctx: FileContext) -> tuple[dict[type[ast.AST], list[Callable]], list]:
        """The dispatch table and end-of-file hooks of the collectors that apply to this file."""
        active = tuple(
            i for i, c in enumerate(self.collectors) if c.predicate is None or c.predicate(ctx)
        )
        plan = self._per_file.get(active)
        if plan is None:
            dispatch: dict[type[ast.AST], list[Callable]] = {}
            file_end: list[Callable] = []
            for i in active:
                collector = self.collectors[i]
                for node_type, callbacks in collector.node_callbacks.items():
                    dispatch.setdefault(node_type, []).extend(callbacks)
                file_end.extend(collector.file_end)
            plan = self._per_file[active] = (dispatch, file_end)
        return plan


# Fields that never hold child nodes worth visiting (names, operators, expression contexts).
_LEAF_FIELDS = frozenset(
    {
        "ctx",
        "id",
        "attr",
        "name",
        "arg",
        "kind",
        "level",
        "module",
        "asname",
        "type_comment",
        "is_async",
        "simple",
        "conversion",
        "op",
        "ops",
        "names",
        "value_is_str",
    }
)
_NodeInfo = tuple[tuple[str, ...], bool, bool]  # (child fields reversed, is a stmt, opens a scope)
_NODE_INFO: dict[type[ast.AST], _NodeInfo] = {}


def _node_info(cls: type[ast.AST]) -> _NodeInfo:
    info = _NODE_INFO.get(cls)
    if info is None:
        fields = [] if cls is ast.Constant else [f for f in cls._fields if f not in _LEAF_FIELDS]
        fields.reverse()  # pushed last-first so that they pop in source order
        info = _NODE_INFO[cls] = (
            tuple(fields),
            issubclass(cls, ast.stmt),
            issubclass(cls, _SCOPES),
        )
    return info


def walk(tree: ast.Module, ctx: FileContext, dispatch: dict[type[ast.AST], list[Callable]]) -> None:
    """Visit every node once, in source order, telling callbacks the enclosing statement and scope.

    ``ImportFrom.names``/``Import.names`` (aliases) and operator nodes are not visited; callbacks
    read them from their parent.
    """
    node_type = ast.AST
    get = dispatch.get
    info_of = _NODE_INFO.get
    stack: list[tuple[ast.AST, ast.stmt | None, ast.AST | None]] = [(tree, None, None)]
    pop = stack.pop
    push = stack.append
    while stack:
        node, stmt, scope = pop()
        cls = node.__class__
        info = info_of(cls) or _node_info(cls)
        fields, is_stmt, opens_scope = info
        if is_stmt:
            stmt = node  # type: ignore[assignment]
        callbacks = get(cls)
        if callbacks:
            ctx.stmt = stmt
            ctx.scope = scope
            for callback in callbacks:
                callback(ctx, node)
        inner = node if opens_scope else scope
        for name in fields:
            value = getattr(node, name, None)
            if value is None:
                continue
            if value.__class__ is list:
                for item in reversed(value):
                    if isinstance(item, node_type):
                        push((item, stmt, inner))
            elif isinstance(value, node_type):
                push((value, stmt, inner))


def parse_suppressions(source: bytes) -> dict[int, frozenset[str]]:
    if b"audit:" not in source:
        return {}
    found: dict[int, frozenset[str]] = {}
    for number, line in enumerate(source.splitlines(), start=1):
        match = _SUPPRESSION.search(line)
        if match:
            codes = {c.strip().upper() for c in match.group(1).decode().split(",") if c.strip()}
            found[number] = frozenset(codes)
    return found


def _describe_parse_error(exc: BaseException) -> tuple[int, str]:
    if isinstance(exc, SyntaxError):
        text = exc.msg or "invalid syntax"
        lowered = text.lower()
        if "decode" in lowered or "codec" in lowered or "utf-8" in lowered:
            return exc.lineno or 1, "is not valid UTF-8 and declares no other encoding"
        if "print" in lowered or "exec" in lowered or ("except" in lowered and "," in lowered):
            return exc.lineno or 1, f"looks like Python 2 ({text})"
        return exc.lineno or 1, f"has a syntax error ({text})"
    if isinstance(exc, UnicodeDecodeError):
        return 1, "is not valid UTF-8 and declares no other encoding"
    if isinstance(exc, RecursionError):
        return 1, "is nested too deeply to parse"
    return 1, f"cannot be parsed ({exc})"


def _parse(source: bytes, rel: str) -> tuple[ast.Module | None, tuple[int, str] | None]:
    """The file's tree, or (line, reason) it has none. Valid code for a newer Python than this
    one is parsed by that Python (see newparse), never called a syntax error."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarnings belong to the audited code
            return ast.parse(source, filename=rel), None
    except (SyntaxError, ValueError, UnicodeDecodeError, RecursionError, MemoryError) as exc:
        line, reason = _describe_parse_error(exc)
        if not reason.startswith("has a syntax error"):
            return None, (line, reason)
    tree, needs = parse_with_newer(source)
    if tree is not None:
        return tree, None
    here = f"{sys.version_info[0]}.{sys.version_info[1]}"
    if needs is not None:
        reason = (
            f"needs Python {needs} to parse (Python {here}, which runs the auditor, cannot); "
            f"re-run the auditor under Python {needs}"
        )
    elif "must be parenthesized" in reason and _newest_python() < (3, 14):
        # `except A, B:` is Python 3.14 (PEP 758), or Python 2's `except A, e:`.
        reason = (
            f"does not parse before Python 3.14 ({reason.split('(', 1)[1]}; unless it is "
            "Python 2, re-run the auditor under Python 3.14"
        )
    elif newparse.gave_up():
        reason += (
            f" on Python {here} (newer Pythons were not asked: they rejected "
            f"{newparse.REJECTIONS_BEFORE_GIVING_UP} other files of this project too)"
        )
    elif not newer_pythons():
        reason += (
            f" on Python {here}, and no newer Python was found to try; if the file is written "
            "for a newer Python, re-run the auditor under that version"
        )
    return None, (line, reason)


def _newest_python() -> tuple[int, int]:
    return max((version for _path, version in newer_pythons()), default=sys.version_info[:2])


def _facts_for(rel: str) -> FileFacts:
    parts = tuple(rel.split("/"))
    return FileFacts(
        path=rel,
        parts=parts,
        dotted=dotted_name(parts),
        is_test=is_test_path(parts),
        entry_point=ENTRY_POINT_FILES.get(parts[-1]),
    )


def analyze_file(candidate: Candidate, plan: Plan) -> tuple[FileFacts, list[Finding]]:
    facts = _facts_for(candidate.rel)
    rules = plan.rules
    findings: list[Finding] = []
    if candidate.size > MAX_FILE_SIZE:
        facts.parsed = False
        if SKIPPED_FILE in plan.codes:
            mib = candidate.size / (1024 * 1024)
            findings.append(
                _meta(
                    rules[SKIPPED_FILE],
                    candidate.rel,
                    1,
                    f"skipped: {mib:.1f} MiB is over the 1 MiB limit",
                )
            )
        return facts, findings
    try:
        source = read_regular_file(candidate.path, MAX_FILE_SIZE)
    except OSError as exc:
        facts.parsed = False
        if SKIPPED_FILE in plan.codes:
            findings.append(
                _meta(
                    rules[SKIPPED_FILE],
                    candidate.rel,
                    1,
                    f"skipped: could not be read ({exc.strerror or exc})",
                )
            )
        return facts, findings
    if len(source) > MAX_FILE_SIZE:
        candidate = Candidate(candidate.path, candidate.rel, len(source))
        return analyze_file(candidate, plan)  # it grew past the limit since it was found
    facts.suppressions = parse_suppressions(source)
    tree, problem = _parse(source, candidate.rel)
    if tree is None:
        facts.parsed = False
        if PARSE_ERROR in plan.codes and problem is not None:
            line, reason = problem
            findings.append(
                _meta(rules[PARSE_ERROR], candidate.rel, line, f"skipped: this file {reason}")
            )
        return facts, findings
    facts.rule_data[prefilter.IMPORTS_KEY] = prefilter.imported_modules(tree)
    if not facts.is_test and facts.parts[-1].startswith("test") and defines_tests(tree):
        facts.is_test = True  # test_settings.py that holds tests is test code, not settings
    if not facts.is_test:
        facts.is_settings, facts.settings_env = classify_settings(facts.parts, tree, plan.app_dirs)
    ctx = FileContext(facts, tree, source)
    dispatch, file_end = plan.for_file(ctx)
    walk(tree, ctx, dispatch)
    for callback in file_end:
        callback(ctx)
    return facts, ctx.findings


def _meta(rule: Rule, path: str, line: int, message: str) -> Finding:
    return Finding(rule.code, rule.severity, path, line, 1, message, rule.template_answer)


# -- parallel execution -----------------------------------------------------------------------
_worker_plan: Plan | None = None


def _analyze_batch(batch: list[Candidate]) -> list[tuple[FileFacts, list[Finding]]]:
    assert _worker_plan is not None
    return [analyze_file(c, _worker_plan) for c in batch]


def _analyze_all(
    candidates: list[Candidate], plan: Plan, jobs: int | None
) -> list[tuple[FileFacts, list[Finding]]]:
    global _worker_plan
    if jobs is None:
        jobs = min(os.cpu_count() or 1, 8) if len(candidates) >= _PARALLEL_THRESHOLD else 1
    if jobs <= 1 or sys.platform == "win32":
        return [analyze_file(c, plan) for c in candidates]
    import multiprocessing  # imported here: most audits parse too few files to need it
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    try:
        mp_context = multiprocessing.get_context("fork")
    except ValueError:  # pragma: no cover - platforms without fork
        return [analyze_file(c, plan) for c in candidates]
    size = max(16, len(candidates) // (jobs * 4))
    batches = [candidates[i : i + size] for i in range(0, len(candidates), size)]
    _worker_plan = plan
    try:
        with ProcessPoolExecutor(max_workers=jobs, mp_context=mp_context) as pool:
            results: list[tuple[FileFacts, list[Finding]]] = []
            for chunk in pool.map(_analyze_batch, batches):
                results.extend(chunk)
            return results
    except (OSError, BrokenProcessPool):  # no processes to be had: do the work here
        return [analyze_file(c, plan) for c in candidates]
    finally:
        _worker_plan = None


# -- choosing what to parse ------------------------------------------------------------------
class _RuledOut(dict[str, tuple[Candidate, bytes]]):
    """Files read but not parsed (rel -> candidate, bytes), with an index of their module names."""

    index: prefilter.ModuleIndex


def _select_by_bytes(candidates: list[Candidate], findings: list[Finding], plan: Plan) -> _RuledOut:
    """Read every candidate and keep out those no rule can care about (first round)."""
    ruled_out = _RuledOut()
    for candidate in candidates:
        if candidate.size > MAX_FILE_SIZE:
            continue  # analyze_file reports it
        try:
            source = read_regular_file(candidate.path, MAX_FILE_SIZE)
        except OSError:
            continue  # analyze_file reports it
        if len(source) <= MAX_FILE_SIZE and not prefilter.may_matter(
            tuple(candidate.rel.split("/")), source
        ):
            ruled_out[candidate.rel] = (candidate, source)
    ruled_out.index = prefilter.ModuleIndex(ruled_out)
    return ruled_out


def _needed_next(
    facts_list: list[FileFacts], ruled_out: _RuledOut, pulled: dict[str, int], root: Path
) -> list[Candidate]:
    """Files left out so far that parsed files need. Chosen files leave ``ruled_out``;
    ``pulled`` records how many imports away from a deciding module each one is (0: it decides).

    * Settings modules that entry points or the pytest configuration name (``setdefault(...,
      "proj.conf.live")``), whatever they hold, and files that split settings ``include()``.
    * Modules imported by the modules that decide what processes load, and (if they can carry a
      value on) the modules those import.
    * The definitions of functions that worker-signal handlers call, directly or not.
    * Modules that call a Celery factory or subclass defined elsewhere (they create the app).
    """
    index = ruled_out.index
    wanted: dict[str, int] = {}

    def want(rels: Iterable[str], depth: int) -> None:
        for rel in rels:
            if rel in ruled_out and depth < wanted.get(rel, depth + 1):
                wanted[rel] = depth

    selected: list[tuple[str, bool]] = []  # (module or prefix, is a prefix)
    for facts in facts_list:
        for write in facts.settings_writes:
            if write.literal:
                selected.append((write.literal, False))
            elif write.prefix:
                selected.append((write.prefix.rstrip("."), True))
    if not pulled:  # first round: the pytest configuration names settings modules too
        selected.extend((s.module, False) for s in _pytest_selections(root, facts_list) if s.module)
    for name, is_prefix in selected:
        want(index.under(name) if is_prefix else index.by_suffix.get(name, ()), 0)

    for facts in facts_list:
        depth = pulled.get(facts.path, 0)
        if depth >= prefilter.IMPORT_DEPTH or not (
            facts.path in pulled or prefilter.decides_what_loads(facts)
        ):
            continue
        for level, module, names in facts.rule_data.get(prefilter.IMPORTS_KEY, ()):
            if depth and not prefilter.may_carry_settings(names):
                continue
            want(index.lookup(facts.path, level, module, names), depth + 1)
        if facts.module is not None:
            folder = facts.path.rpartition("/")[0]
            for event in facts.module.events:
                if isinstance(event, Include):
                    for pattern, _optional in event.patterns:
                        glob = posixpath.normpath(posixpath.join(folder, pattern))
                        want((r for r in ruled_out if fnmatch.fnmatchcase(r, glob)), depth)

    needed: set[str] = set()
    called = {handler for facts in facts_list for _s, handler, _l in facts.signal_handlers}
    if called:
        functions = [(n, info) for facts in facts_list for n, info in facts.functions.items()]
        size = -1
        while size != len(called):
            size = len(called)
            for name, info in functions:
                if name in called:
                    called |= info.calls
        needed |= called - {name for name, _info in functions}
    makers = {name for facts in facts_list for name in facts.celery_makers}
    if needed or makers:
        for rel, (_candidate, source) in ruled_out.items():
            if prefilter.defines(source, needed) or prefilter.calls(source, makers):
                want([rel], prefilter.IMPORT_DEPTH)  # needed for itself, not for its imports

    pulled.update(wanted)
    return [ruled_out.pop(rel)[0] for rel in sorted(wanted)]


def _pytest_selections(root: Path, facts_list: list[FileFacts]) -> list[Selection]:
    """The settings modules pytest-django is configured to load (read as the model reads them)."""
    view = SimpleNamespace(root=root, files=facts_list)
    return read_pytest_selections(view)  # type: ignore[arg-type]


# -- the whole run ----------------------------------------------------------------------------
_PROJECT_MARKERS = ("manage.py", "pyproject.toml", "setup.py", "setup.cfg", ".git")


def project_root_of(path: Path) -> Path:
    """The project a single audited file belongs to, so its path keeps its meaning
    (``proj/settings/production.py`` rather than ``production.py``)."""
    path = path.resolve()
    for ancestor in path.parents:
        if any((ancestor / marker).exists() for marker in _PROJECT_MARKERS):
            return ancestor
    ancestor = path.parent
    while (ancestor / "__init__.py").exists() and ancestor.parent != ancestor:
        ancestor = ancestor.parent
    return ancestor


def audit(
    root: Path,
    *,
    codes: Iterable[str] | None = None,
    exclude: Iterable[str] = (),
    jobs: int | None = None,
    gitignore: bool = True,
    prefilter_files: bool = True,
    on_project: Callable[[Project], None] | None = None,
) -> AuditResult:
    """Audit the project at ``root`` (a directory, or a single Python file).

    ``gitignore``: leave out what the project's ``.gitignore`` files ignore. ``prefilter_files``:
    parse only the files whose path or bytes show a rule may care (see :mod:`prefilter`); the
    findings are the same either way, only slower without it.
    """
    rules = load_rules()
    chosen = set(codes) if codes is not None else set(rules)
    root = root.resolve() if root.is_dir() else root
    candidates: list[Candidate] = []
    findings: list[Finding] = []
    if root.is_dir():
        base = root
        for item in iter_python_files(root, tuple(exclude), gitignore=gitignore):
            if isinstance(item, Unreadable):
                if SKIPPED_FILE in chosen:
                    findings.append(
                        _meta(rules[SKIPPED_FILE], item.rel, 1, f"skipped: {item.reason}")
                    )
            else:
                candidates.append(item)
    else:
        base = project_root_of(root)
        rel = root.resolve().relative_to(base).as_posix()
        candidates.append(Candidate(root, rel, root.stat().st_size))
    plan = Plan(chosen, app_dirs_of([c.rel for c in candidates]))

    facts_list: list[FileFacts] = []
    pulled: dict[str, int] = {}
    if prefilter_files and root.is_dir():
        ruled_out = _select_by_bytes(candidates, findings, plan)
        batch = [c for c in candidates if c.rel not in ruled_out]
    else:
        ruled_out, batch = _RuledOut(), candidates
    while batch:
        for facts, file_findings in _analyze_all(batch, plan, jobs):
            facts_list.append(facts)
            findings.extend(file_findings)
        batch = _needed_next(facts_list, ruled_out, pulled, root) if ruled_out else []

    if root.is_dir():
        parsed_facts = [f for f in facts_list if f.parsed]
        project = Project(parsed_facts, [c.rel for c in candidates], root)
        for callback in plan.project_end:
            callback(project)
        findings.extend(project.findings)
        if on_project is not None:
            on_project(project)

    suppressions = {f.path: f.suppressions for f in facts_list if f.suppressions}
    kept: list[Finding] = []
    suppressed = 0
    seen: set[tuple[str, str, int, int, str]] = set()
    for finding in sorted(findings, key=Finding.sort_key):
        key = (finding.code, finding.path, finding.line, finding.column, finding.message)
        if key in seen:
            continue
        seen.add(key)
        if finding.code in suppressions.get(finding.path, {}).get(finding.line, ()):
            suppressed += 1
            continue
        kept.append(finding)
    parsed = sum(1 for f in facts_list if f.parsed)
    return AuditResult(
        root=base,
        findings=kept,
        suppressed=suppressed,
        files_audited=parsed + len(ruled_out),
        files_skipped=len(facts_list) - parsed,
        rules=rules,
    )
