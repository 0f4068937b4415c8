"""Small AST helpers shared by rules: names, constants, and environment-variable reads."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django_celery_audit.context import FileContext

TRUTHY_STRINGS = frozenset({"1", "true", "yes", "on", "y", "t"})


def qualname(node: ast.AST, aliases: dict[str, str]) -> str | None:
    """``sys.argv`` for ``sys.argv``, ``argv`` (from sys import argv) or ``s.argv`` (sys as s)."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(aliases.get(node.id, node.id))
    return ".".join(reversed(parts))


def const_str(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def shallow_strings(node: ast.AST) -> list[str]:
    """String constants in ``node`` itself or directly inside a list/tuple/set literal."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return [
            e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)
        ]
    return []


def is_truthy_constant(node: ast.AST | None) -> bool:
    if not isinstance(node, ast.Constant):
        return False
    value = node.value
    if isinstance(value, bool | int):
        return bool(value)
    return isinstance(value, str) and value.strip().lower() in TRUTHY_STRINGS


def base_name(node: ast.AST) -> str | None:
    """``DATABASES`` for ``DATABASES``, ``DATABASES["default"]["NAME"]`` or ``DATABASES.update``."""
    while isinstance(node, ast.Attribute | ast.Subscript):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def call_name(node: ast.Call) -> str | None:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def keyword(node: ast.Call, name: str) -> ast.expr | None:
    for kw in node.keywords:
        if kw.arg == name:
            return kw.value
    return None


def short(node: ast.AST, limit: int = 60) -> str:
    try:
        text = ast.unparse(node)
    except Exception:  # pragma: no cover - unparse of a valid tree should not fail
        return type(node).__name__
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def targets_of(stmt: ast.stmt) -> list[ast.expr]:
    if isinstance(stmt, ast.Assign):
        return list(stmt.targets)
    if isinstance(stmt, ast.AnnAssign | ast.AugAssign):
        return [stmt.target]
    return []


def flatten_targets(targets: list[ast.expr]) -> Iterator[ast.expr]:
    for target in targets:
        if isinstance(target, ast.Tuple | ast.List):
            yield from flatten_targets(list(target.elts))
        elif isinstance(target, ast.Starred):
            yield from flatten_targets([target.value])
        else:
            yield target


# ---------------------------------------------------------------------------------------------
# Environment-variable reads

DJANGO_ENVIRON_METHODS = frozenset(
    {
        "str",
        "bool",
        "int",
        "float",
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


@dataclass(frozen=True, slots=True)
class EnvRead:
    """One read of an environment variable (directly, or through python-decouple/django-environ).

    ``required`` means a missing variable stops the process at import time (KeyError,
    UndefinedValueError, ImproperlyConfigured). ``default`` is the expression used instead when the
    variable is missing, if one was given.
    """

    node: ast.AST
    source: str  # "os", "decouple", "environ" or "dj_database_url"
    var: str | None
    required: bool
    default: ast.expr | None

    @property
    def has_default(self) -> bool:
        return self.default is not None and not (
            isinstance(self.default, ast.Constant) and self.default.value is None
        )

    @property
    def through_library(self) -> bool:
        return self.source in ("decouple", "environ")


def classify_env_read(node: ast.AST, ctx: FileContext) -> EnvRead | None:
    """Return how ``node`` reads the environment, or None when it does not."""
    aliases = ctx.aliases
    if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
        if qualname(node.value, aliases) == "os.environ":
            return EnvRead(node, "os", const_str(node.slice), True, None)
        return None
    if not isinstance(node, ast.Call):
        return None
    func = node.func
    name = qualname(func, aliases)
    args = node.args
    if name in ("os.environ.get", "os.getenv"):
        default = args[1] if len(args) > 1 else keyword(node, "default")
        return EnvRead(node, "os", const_str(args[0]) if args else None, False, default)
    if name == "decouple.config":
        default = keyword(node, "default")
        return EnvRead(
            node, "decouple", const_str(args[0]) if args else None, default is None, default
        )
    if name == "dj_database_url.config":
        env = args[0] if args else keyword(node, "env")
        default = args[1] if len(args) > 1 else keyword(node, "default")
        return EnvRead(node, "dj_database_url", const_str(env) or "DATABASE_URL", False, default)
    schemes = ctx.env_instances
    if isinstance(func, ast.Name) and func.id in schemes:
        var = const_str(args[0]) if args else None
        default = args[2] if len(args) > 2 else keyword(node, "default")
        if default is None and var is not None:
            default = schemes[func.id].get(var)
        return EnvRead(node, "environ", var, default is None, default)
    if (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Name)
        and func.value.id in schemes
        and func.attr in DJANGO_ENVIRON_METHODS
    ):
        var = const_str(args[0]) if args else const_str(keyword(node, "var"))
        if var is None and not args:
            var = _URL_DEFAULT_VARS.get(func.attr)
        default = args[1] if len(args) > 1 else keyword(node, "default")
        if default is None and var is not None:
            default = schemes[func.value.id].get(var)
        return EnvRead(node, "environ", var, default is None, default)
    return None


def iter_env_reads(
    expr: ast.AST, ctx: FileContext, *, follow_names: bool = True
) -> Iterator[EnvRead]:
    """Every environment read inside ``expr``, following module-level names to their values."""
    seen_names: set[str] = set()
    pending: list[ast.AST] = [expr]
    while pending:
        current = pending.pop()
        for node in ast.walk(current):
            read = classify_env_read(node, ctx)
            if read is not None:
                yield read
            elif (
                follow_names
                and isinstance(node, ast.Name)
                and isinstance(node.ctx, ast.Load)
                and node.id not in seen_names
            ):
                seen_names.add(node.id)
                pending.extend(ctx.assignments.get(node.id, ()))


def strings_in(node: ast.AST) -> Iterator[str]:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
            yield sub.value
