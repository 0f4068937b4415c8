"""The shared fact collector: it listens to the same single walk as the rules, and runs first.

It records what several rules need: import aliases, module-level assignments, where Celery is
instantiated, writes of DJANGO_SETTINGS_MODULE, worker signal handlers and what functions touch
the database.
"""

from __future__ import annotations

import ast

from django_celery_audit.astutil import const_str, flatten_targets, keyword, qualname
from django_celery_audit.context import FileContext, FunctionInfo, SettingsWrite
from django_celery_audit.registry import Collector

FACTS = Collector()

SETTINGS_VAR = "DJANGO_SETTINGS_MODULE"
WORKER_SIGNALS = frozenset({"worker_process_init", "celeryd_after_setup", "worker_init"})
DB_ATTRIBUTES = frozenset(
    {"ensure_connection", "cursor", "create_connection", "close_old_connections", "objects"}
)
_MUTATORS = frozenset({"append", "extend", "add", "update", "insert"})


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
            ctx.facts.star_imports.append((node.level, module, node.lineno))
            continue
        ctx.aliases[alias.asname or alias.name] = f"{prefix}.{alias.name}" if prefix else alias.name


def _record_settings_write(
    ctx: FileContext, kind: str, value: ast.AST | None, node: ast.AST
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
            if module_level:
                if value is not None:
                    ctx.assignments.setdefault(name, []).append(value)
                if name.isupper():
                    ctx.settings_assignments.append((name, node, value))
                    if not isinstance(node, ast.AugAssign):
                        ctx.facts.assigned_settings.add(name)
            constructor = qualname(value.func, ctx.aliases) if isinstance(value, ast.Call) else None
            if constructor in ("decouple.AutoConfig", "decouple.Config"):
                ctx.aliases[name] = "decouple.config"  # config = AutoConfig(search_path=...)
            if isinstance(value, ast.Call) and constructor == "environ.Env":
                scheme: dict[str, ast.expr] = {}
                for kw in value.keywords:
                    if kw.arg and isinstance(kw.value, ast.Tuple) and len(kw.value.elts) > 1:
                        scheme[kw.arg] = kw.value.elts[1]
                ctx.env_instances[name] = scheme
        elif isinstance(target, ast.Subscript):
            if const_str(target.slice) == SETTINGS_VAR:
                # os.environ, or a mapping parameter that defaults to it (environ=os.environ)
                _record_settings_write(ctx, "assign", value, node)
            elif module_level:
                base = target
                while isinstance(base, ast.Subscript | ast.Attribute):
                    base = base.value
                if isinstance(base, ast.Name) and base.id.isupper():
                    ctx.settings_assignments.append((base.id, node, value))


@FACTS.register(ast.Call)
def _call(ctx: FileContext, node: ast.Call) -> None:
    func = node.func
    name = qualname(func, ctx.aliases)
    if name is not None:
        if name == "Celery" or name.endswith(".Celery"):
            if ctx.facts.celery_app_at is None and not ctx.facts.is_test:
                ctx.facts.celery_app_at = (node.lineno, ctx.column_of(node))
        elif name.endswith(".setdefault"):
            if node.args and const_str(node.args[0]) == SETTINGS_VAR:
                _record_settings_write(
                    ctx, "setdefault", node.args[1] if len(node.args) > 1 else None, node
                )
        elif name.endswith("environ.update"):
            value = keyword(node, SETTINGS_VAR)
            if value is None and node.args and isinstance(node.args[0], ast.Dict):
                for key, item in zip(node.args[0].keys, node.args[0].values, strict=False):
                    if const_str(key) == SETTINGS_VAR:
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
    elif (
        ctx.scope is None
        and isinstance(func, ast.Attribute)
        and func.attr in _MUTATORS
        and isinstance(func.value, ast.Name)
    ):
        ctx.assignments.setdefault(func.value.id, []).extend(node.args)


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


@FACTS.at_file_end
def _resolve_settings_writes(ctx: FileContext) -> None:
    for write, value in ctx.settings_write_nodes:
        literal = const_str(value)
        if literal is None and isinstance(value, ast.Name):
            values = ctx.assignments.get(value.id, [])
            if len(values) == 1:
                literal = const_str(values[0])
        write.literal = literal
