"""Running the audit: one parse and one walk per file, then the project-level rules.

The walk visits nodes in source order and hands each node to the callbacks registered for its
type (the shared fact collector first, then the selected rules), so no rule walks the file again.
"""

from __future__ import annotations

import ast
import os
import re
import sys
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from django_celery_audit.context import (
    ENTRY_POINT_FILES,
    FileContext,
    FileFacts,
    Project,
    classify_settings,
    dotted_name,
    is_test_path,
)
from django_celery_audit.discovery import Candidate, Unreadable, iter_python_files
from django_celery_audit.facts import FACTS
from django_celery_audit.model import Finding
from django_celery_audit.registry import Collector, Rule, load_rules

MAX_FILE_SIZE = 1024 * 1024
PARSE_ERROR = "DCA001"
SKIPPED_FILE = "DCA002"
_SUPPRESSION = re.compile(rb"#\s*audit:\s*ignore\[([A-Za-z0-9_,\s]*)\]")
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
_PARALLEL_THRESHOLD = 400


@dataclass
class AuditResult:
    root: Path
    findings: list[Finding]
    suppressed: int
    files_audited: int
    files_skipped: int
    rules: dict[str, Rule]


class Plan:
    """The dispatch table for one run: node type -> callbacks, plus the end-of-file hooks."""

    def __init__(self, codes: set[str]) -> None:
        self.rules = load_rules()
        self.codes = codes
        collectors: list[Collector] = [FACTS] + [self.rules[c] for c in sorted(codes)]
        self.dispatch: dict[type[ast.AST], list[Callable]] = {}
        for collector in collectors:
            for node_type, callbacks in collector.node_callbacks.items():
                self.dispatch.setdefault(node_type, []).extend(callbacks)
        self.file_end = [cb for c in collectors for cb in c.file_end]
        self.project_end = [cb for c in collectors for cb in c.project_end]


def walk(tree: ast.Module, ctx: FileContext, dispatch: dict[type[ast.AST], list[Callable]]) -> None:
    """Visit every node once, in source order, telling callbacks the enclosing statement and scope."""
    stmt_type = ast.stmt
    expr_context = ast.expr_context
    iter_children = ast.iter_child_nodes
    get = dispatch.get
    stack: list[tuple[ast.AST, ast.stmt | None, ast.AST | None]] = [(tree, None, None)]
    pop = stack.pop
    extend = stack.extend
    while stack:
        node, stmt, scope = pop()
        if isinstance(node, stmt_type):
            stmt = node
        callbacks = get(node.__class__)
        if callbacks:
            ctx.stmt = stmt
            ctx.scope = scope
            for callback in callbacks:
                callback(ctx, node)
        inner = node if isinstance(node, _SCOPES) else scope
        children = [
            (child, stmt, inner) for child in iter_children(node) if not isinstance(child, expr_context)
        ]
        children.reverse()
        extend(children)


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
        if "print" in lowered or "exec" in lowered or "except" in lowered and "," in lowered:
            return exc.lineno or 1, f"looks like Python 2 ({text})"
        return exc.lineno or 1, f"has a syntax error ({text})"
    if isinstance(exc, UnicodeDecodeError):
        return 1, "is not valid UTF-8 and declares no other encoding"
    if isinstance(exc, RecursionError):
        return 1, "is nested too deeply to parse"
    return 1, f"cannot be parsed ({exc})"


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
            findings.append(_meta(rules[SKIPPED_FILE], candidate.rel, 1, f"skipped: {mib:.1f} MiB is over the 1 MiB limit"))
        return facts, findings
    try:
        source = candidate.path.read_bytes()
    except OSError as exc:
        facts.parsed = False
        if SKIPPED_FILE in plan.codes:
            findings.append(_meta(rules[SKIPPED_FILE], candidate.rel, 1, f"skipped: could not be read ({exc.strerror or exc})"))
        return facts, findings
    facts.suppressions = parse_suppressions(source)
    try:
        tree = ast.parse(source, filename=candidate.rel)
    except (SyntaxError, ValueError, UnicodeDecodeError, RecursionError, MemoryError) as exc:
        facts.parsed = False
        if PARSE_ERROR in plan.codes:
            line, reason = _describe_parse_error(exc)
            findings.append(_meta(rules[PARSE_ERROR], candidate.rel, line, f"skipped: this file {reason}"))
        return facts, findings
    facts.is_settings, facts.settings_env = classify_settings(facts.parts, tree)
    ctx = FileContext(facts, tree, source)
    walk(tree, ctx, plan.dispatch)
    for callback in plan.file_end:
        callback(ctx)
    return facts, ctx.findings


def _meta(rule: Rule, path: str, line: int, message: str) -> Finding:
    return Finding(rule.code, rule.severity, path, line, 1, message, rule.template_answer)


# -- parallel execution -----------------------------------------------------------------------
_worker_plan: Plan | None = None


def _analyze_batch(batch: list[Candidate]) -> list[tuple[FileFacts, list[Finding]]]:
    assert _worker_plan is not None
    return [analyze_file(c, _worker_plan) for c in batch]


def _analyze_all(candidates: list[Candidate], plan: Plan, jobs: int | None) -> list[tuple[FileFacts, list[Finding]]]:
    global _worker_plan
    if jobs is None:
        jobs = min(os.cpu_count() or 1, 8) if len(candidates) >= _PARALLEL_THRESHOLD else 1
    if jobs <= 1 or sys.platform == "win32":
        return [analyze_file(c, plan) for c in candidates]
    import multiprocessing

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
    finally:
        _worker_plan = None


# -- the whole run ----------------------------------------------------------------------------
def audit(
    root: Path,
    *,
    codes: Iterable[str] | None = None,
    exclude: Iterable[str] = (),
    jobs: int | None = None,
) -> AuditResult:
    """Audit the project at ``root`` (a directory, or a single Python file)."""
    rules = load_rules()
    plan = Plan(set(codes) if codes is not None else set(rules))
    root = root.resolve() if root.is_dir() else root
    candidates: list[Candidate] = []
    findings: list[Finding] = []
    if root.is_dir():
        base = root
        for item in iter_python_files(root, tuple(exclude)):
            if isinstance(item, Unreadable):
                if SKIPPED_FILE in plan.codes:
                    findings.append(_meta(rules[SKIPPED_FILE], item.rel, 1, f"skipped: {item.reason}"))
            else:
                candidates.append(item)
    else:
        base = root.parent
        candidates.append(Candidate(root, root.name, root.stat().st_size))

    facts_list: list[FileFacts] = []
    for facts, file_findings in _analyze_all(candidates, plan, jobs):
        facts_list.append(facts)
        findings.extend(file_findings)

    if root.is_dir():
        project = Project([f for f in facts_list if f.parsed], [c.rel for c in candidates])
        for callback in plan.project_end:
            callback(project)
        findings.extend(project.findings)

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
        files_audited=parsed,
        files_skipped=len(facts_list) - parsed,
        rules=rules,
    )
