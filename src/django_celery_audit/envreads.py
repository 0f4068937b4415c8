"""Environment reads, however they are spelled: ``os.environ``/``getenv``, python-decouple,
django-environ and environs objects (wherever they were created), ``dj_database_url.config()``
and the project's own helpers around any of these.

Reads are judged in a :class:`Scope`: the names one module sees. During a file's walk that is the
file itself; once the project model exists it is a module that also sees what it imports.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from django_celery_audit.astutil import const_str, keyword, qualname
from django_celery_audit.filefacts import EnvObject, Helper

# Constructors whose instances read the environment, by what their methods look like.
ENV_CLASSES = {
    "environ.Env": "environ",
    "environ.FileAwareEnv": "environ",
    "environ.environ.Env": "environ",
    "environs.Env": "environs",
    "decouple.AutoConfig": "decouple",
    "decouple.Config": "decouple",
}
READER_METHODS = frozenset(
    {
        "str",
        "bool",
        "int",
        "float",
        "decimal",
        "list",
        "tuple",
        "dict",
        "json",
        "url",
        "path",
        "db",
        "db_url",
        "cache",
        "cache_url",
        "email",
        "email_url",
        "search_url",
        "get_value",
        "dj_db_url",
        "dj_cache_url",
        "dj_email_url",
        "log_level",
        "timedelta",
        "uuid",
    }
)
_URL_DEFAULT_VARS = {
    "db": "DATABASE_URL",
    "db_url": "DATABASE_URL",
    "cache": "CACHE_URL",
    "cache_url": "CACHE_URL",
    "email": "EMAIL_URL",
    "email_url": "EMAIL_URL",
    "search_url": "SEARCH_URL",
}
LIBRARIES = frozenset({"decouple", "environ", "environs"})


class Scope(Protocol):
    """The names one module sees."""

    @property
    def path(self) -> str: ...

    @property
    def aliases(self) -> Mapping[str, str]: ...

    def env_object(self, name: str) -> EnvObject | None: ...

    def helper(self, name: str) -> Helper | None: ...

    def module_helper(self, module: str, name: str) -> Helper | None: ...

    def values_of(self, name: str) -> list[tuple[ast.expr, Scope]]: ...

    def returns_of(self, name: str) -> list[tuple[ast.expr, Scope]]: ...


@dataclass(frozen=True, slots=True)
class EnvRead:
    """One read of an environment variable.

    ``required`` means a missing variable stops the process at import time (KeyError,
    UndefinedValueError, ImproperlyConfigured). ``default`` is the expression used instead when the
    variable is missing, if one was given. ``scope`` is the module the read is written in.
    """

    node: ast.AST
    source: str  # "os", "decouple", "environ", "environs" or "dj_database_url"
    var: str | None
    required: bool
    default: ast.expr | None
    scope: Scope = field(compare=False, repr=False)
    var_expr: ast.expr | None = field(default=None, compare=False, repr=False)

    @property
    def has_default(self) -> bool:
        return self.default is not None and not (
            isinstance(self.default, ast.Constant) and self.default.value is None
        )

    @property
    def empty_default(self) -> bool:
        """A default that is empty ("", [], 0): the setting is then as unset as without one."""
        default = self.default
        if isinstance(default, ast.Constant):
            return not default.value
        return isinstance(default, ast.List | ast.Tuple | ast.Dict | ast.Set) and not (
            default.keys if isinstance(default, ast.Dict) else default.elts
        )

    @property
    def through_library(self) -> bool:
        return self.source in LIBRARIES

    @property
    def path(self) -> str:
        return self.scope.path


def _arg(node: ast.Call, index: int, name: str) -> ast.expr | None:
    if len(node.args) > index and not isinstance(node.args[index], ast.Starred):
        return node.args[index]
    return keyword(node, name)


def _read(
    node: ast.Call, scope: Scope, source: str, var_expr: ast.expr | None, default: ast.expr | None
) -> EnvRead:
    return EnvRead(
        node, source, const_str(var_expr), default is None, default, scope, var_expr=var_expr
    )


def _object_read(node: ast.Call, scope: Scope, obj: EnvObject, method: str | None) -> EnvRead:
    if obj.kind == "decouple" or method is None:
        # config("X", default) / environs env("X", default) / django-environ env("X", cast, default)
        index = 2 if obj.kind == "environ" else 1
        var_expr = _arg(node, 0, "var" if obj.kind == "environ" else "name")
        default = _arg(node, index, "default")
    else:
        var_expr = _arg(node, 0, "var" if obj.kind == "environ" else "name")
        default = _arg(node, 1, "default")
        if var_expr is None and not node.args:
            var = _URL_DEFAULT_VARS.get(method)
            var_expr = ast.Constant(var) if var else None
    if default is None and (var := const_str(var_expr)) is not None:
        default = obj.scheme.get(var)
    return _read(node, scope, obj.kind, var_expr, default)


def _helper_read(node: ast.Call, scope: Scope, helper: Helper) -> EnvRead:
    var_expr = _arg(node, helper.var_index, helper.var_param)
    default = helper.fixed_default
    if helper.default_index is not None and helper.default_param is not None:
        default = _arg(node, helper.default_index, helper.default_param) or helper.param_default
    required = helper.required and default is None
    return EnvRead(
        node, helper.source, const_str(var_expr), required, default, scope, var_expr=var_expr
    )


def classify_env_read(node: ast.AST, scope: Scope) -> EnvRead | None:
    """Return how ``node`` reads the environment, or None when it does not."""
    aliases = scope.aliases
    if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
        if qualname(node.value, aliases) == "os.environ":
            return EnvRead(
                node, "os", const_str(node.slice), True, None, scope, var_expr=node.slice
            )
        return None
    if not isinstance(node, ast.Call):
        return None
    func = node.func
    name = qualname(func, aliases)
    if name in ("os.environ.get", "os.getenv", "os.environ.setdefault"):
        var_expr = _arg(node, 0, "key")
        default = _arg(node, 1, "default")
        return EnvRead(node, "os", const_str(var_expr), False, default, scope, var_expr=var_expr)
    if name == "decouple.config":
        return _object_read(node, scope, EnvObject("decouple"), None)
    if name == "dj_database_url.config":
        env = _arg(node, 0, "env")
        default = _arg(node, 1, "default")
        var = const_str(env) or "DATABASE_URL"
        return EnvRead(node, "dj_database_url", var, False, default, scope, var_expr=env)
    if isinstance(func, ast.Name):
        obj = scope.env_object(func.id)
        if obj is not None:
            return _object_read(node, scope, obj, None)
        helper = scope.helper(func.id)
        if helper is not None:
            return _helper_read(node, scope, helper)
    elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        if func.attr in READER_METHODS:
            obj = scope.env_object(func.value.id)
            if obj is not None and obj.kind != "decouple":
                return _object_read(node, scope, obj, func.attr)
        helper = scope.module_helper(func.value.id, func.attr)  # secrets.get_secret("X")
        if helper is not None:
            return _helper_read(node, scope, helper)
    return None


# Calls whose result is their argument's value in another form, and str methods likewise.
_PASS_THROUGH = frozenset(
    {"str", "int", "bool", "float", "list", "tuple", "set", "frozenset", "Path", "parse", "loads"}
    | {"literal_eval", "strtobool", "urlparse", "urlsplit", "cast"}
)
_STR_METHODS = frozenset(
    {"lower", "upper", "strip", "lstrip", "rstrip", "split", "rsplit", "splitlines", "replace"}
    | {"casefold", "title", "encode", "decode", "removeprefix", "removesuffix"}
)


def _last_name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    return func.attr if isinstance(func, ast.Attribute) else None


def iter_env_reads(expr: ast.AST, scope: Scope) -> Iterator[EnvRead]:
    """The environment reads whose value ``expr`` takes: ``expr`` itself, the branches and
    operands it is built from, names it uses (followed to their values, across modules when the
    scope sees them), what the module's functions it calls return, and arguments of conversions
    (``int(...)``, ``dj_database_url.parse(...)``) and str methods. A read that only feeds
    something else (a path, ``conn_max_age=``) is not the value's."""
    seen: set[tuple[str, str]] = set()
    pending: list[tuple[ast.AST, Scope]] = [(expr, scope)]
    while pending:
        node, where = pending.pop()
        read = classify_env_read(node, where)
        if read is not None:
            yield read
            continue
        if isinstance(node, ast.Name):
            key = (where.path, node.id)
            if isinstance(node.ctx, ast.Load) and key not in seen:
                seen.add(key)
                pending.extend(where.values_of(node.id))
        elif isinstance(node, ast.Call):
            func = node.func
            name = _last_name(func)
            if isinstance(func, ast.Name):
                key = (where.path, func.id + "()")
                if key not in seen:
                    seen.add(key)
                    pending.extend(where.returns_of(func.id))
            if isinstance(func, ast.Attribute) and name in _STR_METHODS:
                pending.append((func.value, where))
            if name in _PASS_THROUGH:
                pending.extend((arg, where) for arg in node.args)
        elif isinstance(node, ast.IfExp):
            pending.extend([(node.body, where), (node.orelse, where)])
        elif isinstance(node, ast.BoolOp | ast.List | ast.Tuple | ast.Set | ast.JoinedStr):
            parts = node.values if isinstance(node, ast.BoolOp | ast.JoinedStr) else node.elts
            pending.extend((part, where) for part in parts)
        elif isinstance(node, ast.FormattedValue | ast.Starred | ast.Subscript | ast.Attribute):
            pending.append((node.value, where))
        elif isinstance(node, ast.BinOp):
            pending.extend([(node.left, where), (node.right, where)])
        elif isinstance(node, ast.UnaryOp):
            pending.append((node.operand, where))
        elif isinstance(node, ast.Compare):
            pending.extend((part, where) for part in [node.left, *node.comparators])
        elif isinstance(node, ast.Dict):
            pending.extend((value, where) for value in node.values)
        elif isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp):
            pending.append((node.elt, where))
            pending.extend((g.iter, where) for g in node.generators)
        elif isinstance(node, ast.NamedExpr):
            pending.append((node.value, where))


# -- project helpers: functions that read the variable their caller names ------------------
def function_params(func: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    return [a.arg for a in [*func.args.posonlyargs, *func.args.args]]


def detect_helper(func: ast.FunctionDef | ast.AsyncFunctionDef, scope: Scope) -> Helper | None:
    """A :class:`Helper` when ``func`` reads the variable one of its parameters names."""
    params = function_params(func)
    if not params:
        return None
    defaults: dict[str, ast.expr] = dict(
        zip(params[len(params) - len(func.args.defaults) :], func.args.defaults, strict=False)
    )
    for stmt in func.body:
        for node in ast.walk(stmt):
            if not isinstance(node, ast.Call | ast.Subscript):
                continue
            read = classify_env_read(node, scope)
            if (
                read is None
                or not isinstance(read.var_expr, ast.Name)
                or read.var_expr.id not in params
            ):
                continue
            var_param = read.var_expr.id
            default_param = None
            if read.default is not None:
                used = {n.id for n in ast.walk(read.default) if isinstance(n, ast.Name)}
                default_param = next((p for p in params if p in used and p != var_param), None)
            if default_param is None:
                default_param = next((p for p in params if "default" in p or "fallback" in p), None)
            fixed = None if default_param is not None else read.default
            return Helper(
                source=read.source,
                var_index=params.index(var_param),
                var_param=var_param,
                default_index=params.index(default_param) if default_param else None,
                default_param=default_param,
                param_default=defaults.get(default_param) if default_param else None,
                fixed_default=fixed,
                required=read.required and default_param is None,
            )
    return None


def env_object_of(value: ast.expr, aliases: Mapping[str, str]) -> EnvObject | None:
    """``Env(DEBUG=(bool, False))`` -> EnvObject("environ", {"DEBUG": False})."""
    if not isinstance(value, ast.Call):
        return None
    kind = ENV_CLASSES.get(qualname(value.func, aliases) or "")
    if kind is None:
        return None
    scheme: dict[str, ast.expr] = {}
    if kind == "environ":
        for kw in value.keywords:
            if kw.arg and isinstance(kw.value, ast.Tuple) and len(kw.value.elts) > 1:
                scheme[kw.arg] = kw.value.elts[1]
    return EnvObject(kind, scheme)
