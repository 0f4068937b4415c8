"""Settings that branch on test detection choose a configuration from how the process started, not
from its configuration.

``'pytest' in sys.modules`` is true in any process that imported pytest, including a Celery worker
whose dependencies pull it in; ``'test' in sys.argv`` is true for ``celery worker -Q test``;
PYTEST_* variables leak into containers. In the incident such a branch swapped DATABASES for
in-memory SQLite inside production workers. Reported as an error when the branch changes
DATABASES, CACHES, CELERY_* or imports another settings module (directly, or through a flag such
as ``TESTING = ...`` that a later branch uses), as a warning when it sets other names, and not at
all when it sets nothing (``if "test" in sys.argv: sys.exit("use pytest")``). Test code (tests/,
conftest.py, test_*.py) and testing settings are not checked.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from django_celery_audit.astutil import (
    base_name,
    const_str,
    flatten_targets,
    qualname,
    shallow_strings,
    short,
    targets_of,
)
from django_celery_audit.context import FileContext
from django_celery_audit.model import Severity
from django_celery_audit.registry import Rule

RULE = Rule(
    code="DCA101",
    name="test-detection-in-settings",
    severity=Severity.ERROR,
    title="Settings branch on test detection",
    template_answer=(
        "tests select settings/testing.py explicitly (DJANGO_ENVIRONMENT=testing in the pytest "
        "configuration); no settings module looks at sys.argv, sys.modules or PYTEST_* variables"
    ),
    doc=__doc__,
)

_CONSEQUENTIAL = frozenset({"DATABASES", "CACHES", "BROKER_URL", "DATABASE_ROUTERS", "CELERY"})
_IMPORTERS = frozenset({"importlib.import_module", "__import__", "exec", "execfile"})


def _consequential(name: str) -> bool:
    return name in _CONSEQUENTIAL or name.startswith("CELERY_")


@dataclass
class _State:
    detections: list[tuple[ast.AST, ast.stmt, ast.AST | None, str]] = field(default_factory=list)
    name_uses: dict[str, list[tuple[ast.stmt, ast.AST | None]]] = field(default_factory=dict)


@RULE.when
def _applies(ctx: FileContext) -> bool:
    """Settings modules (other than testing ones) and modules that may instantiate Celery."""
    facts = ctx.facts
    return not facts.is_test and (
        (facts.is_settings and facts.settings_env != "testing") or ctx.mentions_celery
    )


def _state(ctx: FileContext) -> _State:
    state = ctx.data.get(RULE.code)
    if state is None:
        state = ctx.data[RULE.code] = _State()
    return state


# -- recognising test detection ---------------------------------------------------------------
def _testish(strings: list[str]) -> bool:
    return any("test" in s.lower() for s in strings)


def _pytest_variable(strings: list[str]) -> bool:
    return any(s.upper().startswith("PYTEST") for s in strings)


class _Detector:
    def __init__(self, ctx: FileContext) -> None:
        self.aliases = ctx.aliases

    def q(self, node: ast.AST) -> str | None:
        return qualname(node, self.aliases)

    def argv(self, node: ast.AST) -> bool:
        """sys.argv, or something computed from it (sys.argv[1], " ".join(sys.argv), ...)."""
        if self.q(node) == "sys.argv":
            return True
        if isinstance(node, ast.Subscript):
            return self.argv(node.value)
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Attribute) and self.argv(node.func.value):
                return True
            return any(self.argv(a) for a in node.args)
        return False

    def modules(self, node: ast.AST) -> bool:
        if self.q(node) == "sys.modules":
            return True
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr == "keys":
                return self.q(func.value) == "sys.modules"
            return any(self.modules(a) for a in node.args)
        return False

    def environ(self, node: ast.AST) -> bool:
        if self.q(node) == "os.environ":
            return True
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            return node.func.attr == "keys" and self.q(node.func.value) == "os.environ"
        return False

    def detect(self, node: ast.AST) -> bool:
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            for operand in operands:
                others = [s for o in operands if o is not operand for s in shallow_strings(o)]
                if (self.argv(operand) or self.modules(operand)) and _testish(others):
                    return True
                if self.environ(operand) and _pytest_variable(others):
                    return True
            return False
        if isinstance(node, ast.Call):
            return self._detect_call(node)
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
            owner = self.q(node.value)
            keys = shallow_strings(node.slice)
            return (owner == "os.environ" and _pytest_variable(keys)) or (
                owner == "sys.modules" and _testish(keys)
            )
        if isinstance(node, ast.GeneratorExp | ast.ListComp | ast.SetComp | ast.DictComp):
            return self._detect_comprehension(node)
        return False

    def _detect_call(self, node: ast.Call) -> bool:
        name = self.q(node.func) or ""
        args = node.args
        first = shallow_strings(args[0]) if args else []
        if name in ("sys.modules.get", "sys.modules.__contains__", "sys.modules.pop"):
            return _testish(first)
        if name in ("os.environ.get", "os.getenv", "os.environ.__contains__"):
            return _pytest_variable(first)
        if name.rsplit(".", 1)[-1] in ("find_spec", "find_loader"):
            return any(s.lstrip("_").startswith("pytest") for s in first)
        if name in ("hasattr", "getattr") and len(args) > 1 and self.q(args[0]) == "sys":
            return _testish(shallow_strings(args[1]))
        func = node.func
        if (
            isinstance(func, ast.Attribute)
            and func.attr in ("startswith", "endswith", "count", "find", "index", "__contains__")
            and self.argv(func.value)
        ):
            return any(_testish(shallow_strings(a)) for a in args)
        return False

    def _detect_comprehension(
        self, node: ast.GeneratorExp | ast.ListComp | ast.SetComp | ast.DictComp
    ) -> bool:
        parts: list[ast.AST] = (
            [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
        )
        for generator in node.generators:
            parts.extend(generator.ifs)
        strings = [s for part in parts for sub in ast.walk(part) for s in shallow_strings(sub)]
        for generator in node.generators:
            if (self.argv(generator.iter) or self.modules(generator.iter)) and _testish(strings):
                return True
            if self.environ(generator.iter) and _pytest_variable(strings):
                return True
        return False


@RULE.register(
    ast.Compare, ast.Call, ast.Subscript, ast.GeneratorExp, ast.ListComp, ast.SetComp, ast.DictComp
)
def _candidate(ctx: FileContext, node: ast.AST) -> None:
    if ctx.stmt is None:
        return
    state = _state(ctx)
    detector = ctx.data.get("DCA101.detector")
    if detector is None:
        detector = ctx.data["DCA101.detector"] = _Detector(ctx)
    if detector.detect(node):
        state.detections.append((node, ctx.stmt, ctx.scope, short(node, 50)))


@RULE.register(ast.Name)
def _name_use(ctx: FileContext, node: ast.Name) -> None:
    if isinstance(node.ctx, ast.Load) and ctx.stmt is not None:
        _state(ctx).name_uses.setdefault(node.id, []).append((ctx.stmt, ctx.scope))


# -- following the detection to what it changes ---------------------------------------------
class _Consequences:
    def __init__(self, ctx: FileContext, state: _State) -> None:
        self.ctx = ctx
        self.state = state
        self.effects: list[str] = []
        self.flags: list[str] = []
        self._done: set[int] = set()

    def _effect(self, text: str) -> None:
        if text not in self.effects:
            self.effects.append(text)

    def follow(self, stmt: ast.stmt, scope: ast.AST | None) -> None:
        pending = [(stmt, scope)]
        while pending:
            current, current_scope = pending.pop()
            if id(current) in self._done:
                continue
            self._done.add(id(current))
            for name in self._process(current, current_scope):
                if name not in self.flags:
                    self.flags.append(name)
                    pending.extend(self.state.name_uses.get(name, ()))

    def _process(self, stmt: ast.stmt, scope: ast.AST | None) -> list[str]:
        tainted: list[str] = []
        if isinstance(stmt, ast.If | ast.While):
            for sub in [*stmt.body, *stmt.orelse]:
                tainted.extend(self._scan(sub))
        elif isinstance(stmt, ast.Assign | ast.AnnAssign | ast.AugAssign):
            tainted.extend(self._targets(targets_of(stmt)))
        elif isinstance(stmt, ast.Return):
            if isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef):
                tainted.append(scope.name)
        elif not isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            tainted.extend(self._scan(stmt))
        return tainted

    def _targets(self, targets: list[ast.expr]) -> list[str]:
        tainted: list[str] = []
        aliases = self.ctx.aliases
        for target in flatten_targets(targets):
            if (
                isinstance(target, ast.Subscript)
                and const_str(target.slice) == "DJANGO_SETTINGS_MODULE"
            ):
                self._effect("DJANGO_SETTINGS_MODULE")
                continue
            name = base_name(target)
            if name is None:
                continue
            if _consequential(name):
                self._effect(name)
            elif isinstance(target, ast.Name):
                tainted.append(name)
            elif isinstance(target, ast.Attribute) and "conf" in (qualname(target, aliases) or ""):
                self._effect("the Celery configuration")
        return tainted

    def _scan(self, stmt: ast.stmt) -> list[str]:
        tainted: list[str] = []
        aliases = self.ctx.aliases
        for node in ast.walk(stmt):
            if isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
                tainted.extend(self._targets(targets_of(node)))
            elif isinstance(node, ast.ImportFrom):
                module = "." * node.level + (node.module or "")
                if node.level or "settings" in module:
                    self._effect(f"imports {module}")
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if "settings" in alias.name:
                        self._effect(f"imports {alias.name}")
            elif isinstance(node, ast.Call):
                func = node.func
                name = qualname(func, aliases) or ""
                if name in _IMPORTERS:
                    self._effect("imports a module")
                elif name.endswith((".setdefault", "environ.update")):
                    if any(const_str(a) == "DJANGO_SETTINGS_MODULE" for a in node.args) or any(
                        kw.arg == "DJANGO_SETTINGS_MODULE" for kw in node.keywords
                    ):
                        self._effect("DJANGO_SETTINGS_MODULE")
                elif isinstance(func, ast.Attribute):
                    if func.attr == "config_from_object":
                        self._effect("the Celery configuration")
                    else:
                        owner = base_name(func.value)
                        if owner is not None and _consequential(owner):
                            self._effect(owner)
        return tainted


@RULE.at_file_end
def _report(ctx: FileContext) -> None:
    state = ctx.data.get(RULE.code)
    if not state or not state.detections:
        return
    facts = ctx.facts
    in_settings = facts.is_settings and facts.settings_env != "testing"
    if not in_settings and not facts.is_celery_app:
        return
    where = "settings" if in_settings else "the Celery app module"
    sites: dict[int, tuple[ast.AST, ast.stmt, ast.AST | None, list[str]]] = {}
    for node, stmt, scope, text in state.detections:
        site = sites.setdefault(id(stmt), (node, stmt, scope, []))
        if text not in site[3]:
            site[3].append(text)
    for node, stmt, scope, texts in sites.values():
        consequences = _Consequences(ctx, state)
        consequences.follow(stmt, scope)
        detection = " / ".join(texts)
        if consequences.effects:
            changed = ", ".join(consequences.effects[:4])
            through = f" through {', '.join(consequences.flags[:3])}" if consequences.flags else ""
            ctx.report(
                RULE,
                node,
                f"{where} switch on test detection ({detection}) and change {changed}{through}; "
                "a worker can take that branch in production",
                Severity.ERROR,
            )
        elif consequences.flags:
            ctx.report(
                RULE,
                node,
                f"{where} depend on test detection ({detection}); the value follows how the "
                "process was started, not its configuration",
                Severity.WARNING,
            )
