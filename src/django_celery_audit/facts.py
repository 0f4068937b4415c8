"""The shared fact collector: it listens to the same single walk as the rules, and runs first.

It records what several rules and the project model need: import aliases, module-level
assignments, where Celery apps are made, writes of DJANGO_SETTINGS_MODULE, worker signal handlers,
what functions touch the database, and (at the end of the file) the module's namespace in source
order for the process model.
"""

from __future__ import annotations

import ast

from django_celery_audit.astutil import const_str, flatten_targets, keyword, qualname
from django_celery_audit.context import FileContext, returned_values
from django_celery_audit.envreads import env_object_of
from django_celery_audit.filefacts import (
    Binding,
    Event,
    FunctionInfo,
    Include,
    ModuleFacts,
    NameImport,
    SettingsWrite,
    StarImport,
)
from django_celery_audit.registry import Collector

FACTS = Collector()

SETTINGS_VAR = "DJANGO_SETTINGS_MODULE"
WORKER_SIGNALS = frozenset({"worker_process_init", "celeryd_after_setup", "worker_init"})
DB_ATTRIBUTES = frozenset(
    {"ensure_connection", "cursor", "create_connection", "close_old_connections", "objects"}
)
_MUTATORS = frozenset({"append", "extend", "add", "update", "insert", "setdefault"})
# Settings that production rules judge: a module binding one keeps its whole namespace.
JUDGED_SETTINGS = frozenset(
    {"SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "DATABASES", "CELERY_TASK_ALWAYS_EAGER"}
)
_ENV_MARKERS = (b"environ", b"getenv", b"decouple", b"config(")
_ENV_GETTERS = frozenset({"os.environ.get", "os.getenv"})
_FILE_WRITERS = frozenset({"write", "write_text", "write_bytes"})


def _scope_key(scope: ast.AST | None) -> str | None:
    if isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef):
        return scope.name
    if isinstance(scope, ast.Lambda):
        return f"<lambda:{scope.lineno}>"
    return None


def _function(ctx: FileContext, key: str) -> FunctionInfo:
    info = ctx.facts.functions.get(key)
    if info is None:
        info = ctx.facts.functions[key] = FunctionInfo()
    return info


def _handler_name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Lambda):
        return f"<lambda:{node.lineno}>"
    return None


def _signal_of(node: ast.AST, ctx: FileContext) -> str | None:
    """``worker_init`` for ``worker_init.connect`` or ``signals.worker_init.connect``."""
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute) and node.attr == "connect":
        name = qualname(node.value, ctx.aliases)
        if name:
            last = name.rsplit(".", 1)[-1]
            if last in WORKER_SIGNALS:
                return last
    return None


def _is_celery_class(name: str | None) -> bool:
    return name is not None and (name == "Celery" or name.endswith(".Celery"))


@FACTS.register(ast.Import)
def _import(ctx: FileContext, node: ast.Import) -> None:
    for alias in node.names:
        if alias.asname:
            ctx.aliases[alias.asname] = alias.name
        else:
            top = alias.name.split(".", 1)[0]
            ctx.aliases[top] = top


@FACTS.register(ast.ImportFrom)
def _import_from(ctx: FileContext, node: ast.ImportFrom) -> None:
    module = node.module or ""
    prefix = "." * node.level + module
    for alias in node.names:
        if alias.name == "*":
            continue
        local = alias.asname or alias.name
        ctx.aliases[local] = f"{prefix}.{alias.name}" if prefix else alias.name
        if ctx.scope is None:
            ctx.facts.imports[local] = (node.level, module, alias.name)


def _record_settings_write(
    ctx: FileContext, kind: str, value: ast.AST | None, node: ast.stmt | ast.expr
) -> None:
    write = SettingsWrite(kind, None, node.lineno, ctx.column_of(node))
    ctx.facts.settings_writes.append(write)
    ctx.settings_write_nodes.append((write, value if value is not None else node))


@FACTS.register(ast.Assign, ast.AnnAssign, ast.AugAssign)
def _assign(ctx: FileContext, node: ast.Assign | ast.AnnAssign | ast.AugAssign) -> None:
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    value = node.value
    module_level = ctx.scope is None
    for target in flatten_targets(targets):
        if isinstance(target, ast.Name):
            name = target.id
            if module_level and value is not None:
                ctx.assignments.setdefault(name, []).append(value)
            if value is None:
                continue
            bound_to = qualname(value, ctx.aliases)
            if ctx.mentions_celery and _is_celery_class(bound_to):
                ctx.aliases[name] = "celery.Celery"  # CeleryApp = Celery
            elif bound_to in _ENV_GETTERS:
                ctx.aliases[name] = bound_to  # get_secret = os.environ.get
            if ctx.may_make_env_objects and isinstance(value, ast.Call):
                obj = env_object_of(value, ctx.aliases)
                if obj is not None:
                    ctx.env_objects[name] = obj
        elif isinstance(target, ast.Subscript) and const_str(target.slice) == SETTINGS_VAR:
            # os.environ, or a mapping parameter that defaults to it (environ=os.environ)
            _record_settings_write(ctx, "assign", value, node)


@FACTS.register(ast.ClassDef)
def _class_def(ctx: FileContext, node: ast.ClassDef) -> None:
    if any(_is_celery_class(qualname(base, ctx.aliases)) for base in node.bases):
        ctx.aliases[node.name] = "celery.Celery"  # instances of the subclass are Celery apps
        ctx.facts.celery_makers.add(node.name)


@FACTS.register(ast.Call)
def _call(ctx: FileContext, node: ast.Call) -> None:
    func = node.func
    name = qualname(func, ctx.aliases)
    if name is not None:
        if _is_celery_class(name):
            if ctx.facts.celery_app_at is None and not ctx.facts.is_test:
                ctx.facts.celery_app_at = (node.lineno, ctx.column_of(node))
            if isinstance(ctx.scope, ast.FunctionDef | ast.AsyncFunctionDef):
                ctx.facts.celery_makers.add(ctx.scope.name)  # a factory
        elif name.endswith(".setdefault"):
            if node.args and const_str(node.args[0]) == SETTINGS_VAR:
                _record_settings_write(
                    ctx, "setdefault", node.args[1] if len(node.args) > 1 else None, node
                )
        elif name.endswith("environ.update"):
            value = keyword(node, SETTINGS_VAR)
            if value is None and node.args and isinstance(node.args[0], ast.Dict):
                for dict_key, item in zip(node.args[0].keys, node.args[0].values, strict=False):
                    if const_str(dict_key) == SETTINGS_VAR:
                        value = item
            if value is not None:
                _record_settings_write(ctx, "assign", value, node)
    signal = _signal_of(func, ctx)
    if signal is not None:
        handler = node.args[0] if node.args else keyword(node, "receiver")
        handler_name = _handler_name(handler) if handler is not None else None
        if handler_name:
            ctx.facts.signal_handlers.append((signal, handler_name, node.lineno))
    key = _scope_key(ctx.scope)
    if key is not None:
        callee = (
            func.id
            if isinstance(func, ast.Name)
            else func.attr
            if isinstance(func, ast.Attribute)
            else None
        )
        if callee:
            _function(ctx, key).calls.add(callee)
    elif ctx.scope is None:
        if isinstance(func, ast.Attribute) and func.attr in _FILE_WRITERS:
            ctx.persisted.update(a.id for a in node.args if isinstance(a, ast.Name))
        if isinstance(func, ast.Name) and func.id in ctx.facts.imports:
            ctx.facts.imported_calls.append((func.id, node.lineno, ctx.column_of(node)))
        elif (
            isinstance(func, ast.Attribute)
            and func.attr in _MUTATORS
            and isinstance(func.value, ast.Name)
        ):
            ctx.assignments.setdefault(func.value.id, []).extend(node.args)


@FACTS.register(ast.Raise)
def _raise(ctx: FileContext, node: ast.Raise) -> None:
    exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
    name = qualname(exc, ctx.aliases) if exc is not None else None
    if name and name.endswith("DisallowedHost") and not ctx.facts.is_test:
        ctx.facts.rejects_hosts_at = node.lineno


@FACTS.register(ast.FunctionDef, ast.AsyncFunctionDef)
def _function_def(ctx: FileContext, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
    _function(ctx, node.name)
    if ctx.scope is None:
        ctx.module_functions[node.name] = node
    for decorator in node.decorator_list:
        signal = _signal_of(decorator, ctx)
        if signal is not None:
            ctx.facts.signal_handlers.append((signal, node.name, node.lineno))


@FACTS.register(ast.Lambda)
def _lambda(ctx: FileContext, node: ast.Lambda) -> None:
    _function(ctx, f"<lambda:{node.lineno}>")


# Names resolve to django.db only where the file imports it; most files are skipped before the walk.
DB_NAMES = Collector()


@DB_NAMES.when
def _imports_django_db(ctx: FileContext) -> bool:
    return b"django.db" in ctx.source


@DB_NAMES.register(ast.Name)
def _name(ctx: FileContext, node: ast.Name) -> None:
    key = _scope_key(ctx.scope)
    if key is not None:
        target = ctx.aliases.get(node.id)
        if target is not None and target.startswith("django.db"):
            _function(ctx, key).touches_db = True


@FACTS.register(ast.Attribute)
def _attribute(ctx: FileContext, node: ast.Attribute) -> None:
    if node.attr in DB_ATTRIBUTES:
        key = _scope_key(ctx.scope)
        if key is not None:
            _function(ctx, key).touches_db = True


@FACTS.register(ast.If, ast.Assert)
def _check(ctx: FileContext, node: ast.If | ast.Assert) -> None:
    if ctx.scope is None and ctx.facts.is_settings:
        ctx.module_checks.append(node)


def _module_prefix(value: ast.AST, ctx: FileContext) -> str | None:
    """``"proj.settings."`` for ``f"proj.settings.{env}"``, ``"proj.settings." + env`` or
    ``"proj.settings.%s" % env``: the literal start of a module name computed at run time."""
    if isinstance(value, ast.JoinedStr) and value.values:
        return const_str(value.values[0])
    if isinstance(value, ast.BinOp):
        if isinstance(value.op, ast.Add):
            left = value.left
            while isinstance(left, ast.BinOp) and isinstance(left.op, ast.Add):
                left = left.left  # "a." + env + "." + x: the leftmost operand starts the name
            return const_str(left)
        if isinstance(value.op, ast.Mod):
            text = const_str(value.left)
            return text.split("%", 1)[0] if text else None
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute):
        text = const_str(value.func.value)
        if value.func.attr == "format" and text:
            return text.split("{", 1)[0]
    if isinstance(value, ast.Name):
        values = ctx.assignments.get(value.id, [])
        if len(values) == 1:
            return _module_prefix(values[0], ctx)
    return None


@FACTS.at_file_end
def _resolve_settings_writes(ctx: FileContext) -> None:
    for write, value in ctx.settings_write_nodes:
        literal = const_str(value)
        if literal is None and isinstance(value, ast.Name):
            values = ctx.assignments.get(value.id, [])
            if len(values) == 1:
                literal = const_str(values[0])
        write.literal = literal
        if literal is None:
            write.prefix = _module_prefix(value, ctx)


# -- the module's namespace, for the process model -------------------------------------------
_Statement = tuple[ast.stmt, bool, ast.expr | None]


def _module_statements(
    body: list[ast.stmt], conditional: bool, condition: ast.expr | None, out: list[_Statement]
) -> None:
    """Module-level statements in source order, with whether they may not run and the test of
    the innermost ``if`` around them."""
    for stmt in body:
        out.append((stmt, conditional, condition))
        if isinstance(stmt, ast.With | ast.AsyncWith):
            _module_statements(stmt.body, conditional, condition, out)
        elif isinstance(stmt, ast.If):
            _module_statements(stmt.body, True, stmt.test, out)
            _module_statements(stmt.orelse, True, stmt.test, out)
        elif isinstance(stmt, ast.For | ast.AsyncFor | ast.While):
            _module_statements(stmt.body, True, None, out)
            _module_statements(stmt.orelse, True, None, out)
        elif isinstance(stmt, ast.Try):
            for block in (stmt.body, stmt.orelse, stmt.finalbody):
                _module_statements(block, True, None, out)
            for handler in stmt.handlers:
                _module_statements(handler.body, True, None, out)
        elif isinstance(stmt, ast.Match):
            for case in stmt.cases:
                _module_statements(case.body, True, None, out)


def _keys_and_name(target: ast.expr) -> tuple[str | None, tuple[str | None, ...]]:
    keys: list[str | None] = []
    while isinstance(target, ast.Subscript):
        keys.append(const_str(target.slice))
        target = target.value
    name = target.id if isinstance(target, ast.Name) else None
    return name, tuple(reversed(keys))


def _include_patterns(call: ast.Call, ctx: FileContext) -> tuple[tuple[str, bool], ...]:
    patterns: list[tuple[str, bool]] = []
    for arg in call.args:
        text = const_str(arg)
        if text is not None:
            patterns.append((text, False))
        elif isinstance(arg, ast.Call) and (qualname(arg.func, ctx.aliases) or "").endswith(
            "optional"
        ):
            inner = const_str(arg.args[0]) if arg.args else None
            if inner is not None:
                patterns.append((inner, True))
    return tuple(patterns)


def _events(ctx: FileContext) -> list[Event]:
    statements: list[_Statement] = []
    _module_statements(ctx.tree.body, False, None, statements)
    events: list[Event] = []
    for stmt, conditional, condition in statements:
        if isinstance(stmt, ast.Assign | ast.AnnAssign | ast.AugAssign) and stmt.value is not None:
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            for target in flatten_targets(targets):
                name, keys = _keys_and_name(target)
                if name is not None and name.isupper():
                    events.append(
                        Binding(
                            name,
                            stmt.lineno,
                            ctx.column_of(stmt.value),
                            stmt.value,
                            keys,
                            merge=isinstance(stmt, ast.AugAssign),
                            conditional=conditional,
                            condition=condition,
                        )
                    )
        elif isinstance(stmt, ast.ImportFrom):
            module = stmt.module or ""
            if any(a.name == "*" for a in stmt.names):
                events.append(StarImport(stmt.level, module, stmt.lineno, conditional))
            else:
                names = tuple((a.name, a.asname or a.name) for a in stmt.names)
                events.append(NameImport(stmt.level, module, names, stmt.lineno, conditional))
        elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
            call = stmt.value
            func = call.func
            called = qualname(func, ctx.aliases) or ""
            if called.endswith("split_settings.tools.include"):
                events.append(Include(_include_patterns(call, ctx), stmt.lineno, conditional))
            elif isinstance(func, ast.Attribute) and func.attr in _MUTATORS:
                name, keys = _keys_and_name(func.value)
                if name is None or not name.isupper():
                    continue
                value: ast.expr | None = call.args[0] if call.args else None
                if value is None and call.keywords:
                    value = ast.Dict(
                        keys=[ast.Constant(k.arg) for k in call.keywords],
                        values=[k.value for k in call.keywords],
                    )
                    ast.copy_location(value, call)
                if value is not None:
                    events.append(
                        Binding(
                            name,
                            stmt.lineno,
                            ctx.column_of(value),
                            value,
                            keys,
                            merge=True,
                            conditional=conditional,
                            condition=condition,
                        )
                    )
    return events


def _raises(statements: list[ast.stmt], ctx: FileContext) -> bool:
    for stmt in statements:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Raise):
                return True
            if isinstance(node, ast.Call) and qualname(node.func, ctx.aliases) in (
                "sys.exit",
                "exit",
                "quit",
            ):
                return True
    return False


def _guard_mentions(ctx: FileContext) -> frozenset[str]:
    """Names and strings that module-level checks ending in ``raise`` (or ``assert``) look at.

    Names are followed to the values assigned to them and to the bodies of module-level functions,
    so ``missing = [n for n in REQUIRED if not os.environ.get(n)]; if missing: raise ...`` mentions
    everything listed in REQUIRED.
    """
    mentions: set[str] = set()
    pending: list[ast.AST] = []
    for check in ctx.module_checks:
        if isinstance(check, ast.Assert) or _raises(check.body, ctx) or _raises(check.orelse, ctx):
            pending.append(check.test)
    followed: set[str] = set()
    while pending:
        for node in ast.walk(pending.pop()):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                mentions.add(node.value)
            elif isinstance(node, ast.Name):
                mentions.add(node.id)
                if node.id not in followed:
                    followed.add(node.id)
                    pending.extend(ctx.assignments.get(node.id, ()))
                    function = ctx.module_functions.get(node.id)
                    if function is not None:
                        pending.extend(function.body)
            elif isinstance(node, ast.Attribute):
                mentions.add(node.attr)
    return frozenset(mentions)


@FACTS.at_file_end
def _namespace(ctx: FileContext) -> None:
    """Keep the namespace of settings modules, and what other modules may lend them: constants,
    environment readers and helpers."""
    facts = ctx.facts
    if facts.is_test:
        return
    reads_env = any(marker in ctx.source for marker in _ENV_MARKERS)
    helpers = {}
    if reads_env:
        for name in ctx.module_functions:
            helper = ctx.helper(name)
            if helper is not None:
                helpers[name] = helper
    if facts.is_settings:
        events = _events(ctx)
        values = ctx.assignments
    else:
        values = {
            name: found
            for name, found in ctx.assignments.items()
            if len(found) == 1 and isinstance(found[0], ast.Constant)
        }
        events = []
        if JUDGED_SETTINGS & set(ctx.assignments):
            events = _events(ctx)
            values = ctx.assignments
    returns = {}
    if facts.is_settings or reads_env:
        returns = {
            name: found
            for name, function in ctx.module_functions.items()
            if (found := returned_values(function))
        }
    if not (events or values or helpers or ctx.env_objects or returns):
        return
    facts.module = ModuleFacts(
        events=events,
        aliases=dict(ctx.aliases),
        values=dict(values),
        env_objects=dict(ctx.env_objects),
        helpers=helpers,
        returns=returns,
        guards=_guard_mentions(ctx) if facts.is_settings else frozenset(),
        persisted=frozenset(ctx.persisted),
        functions={
            name: function
            for name, function in ctx.module_functions.items()
            if facts.is_settings and name not in helpers and function.args.args
        },
    )
