"""What one file contributes to the project model: plain data that outlives the walk and crosses
process boundaries (it is pickled back from parallel workers).

The few AST nodes kept (values of module-level settings, function defaults) are small expressions
the production rules judge once the project model says which of them production loads.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class SettingsWrite:
    """A write of DJANGO_SETTINGS_MODULE (``setdefault`` keeps a value; ``assign`` not)."""

    kind: str
    literal: str | None  # the module named, when it is a string literal (or a name bound to one)
    line: int
    column: int
    prefix: str | None = None  # the literal start of a computed name ("proj.settings.")


@dataclass(slots=True)
class FunctionInfo:
    touches_db: bool = False
    calls: set[str] = field(default_factory=set)


# -- the module-level namespace, in source order --------------------------------------------
@dataclass(slots=True)
class Binding:
    """A module-level write of an upper-case name: ``NAME = value``, ``NAME["k"] = value`` or
    ``NAME.update(value)`` (``merge``)."""

    name: str
    line: int
    column: int
    value: ast.expr
    keys: tuple[str | None, ...] = ()  # DATABASES["default"]["NAME"] -> ("default", "NAME")
    merge: bool = False
    conditional: bool = False  # inside an if/try/for/while at module level
    condition: ast.expr | None = None  # the test of the innermost enclosing if


@dataclass(slots=True)
class StarImport:
    level: int
    module: str
    line: int
    conditional: bool = False


@dataclass(slots=True)
class NameImport:
    level: int
    module: str
    names: tuple[tuple[str, str], ...]  # (name in the other module, name here)
    line: int
    conditional: bool = False


@dataclass(slots=True)
class Include:
    """django-split-settings ``include("a.py", optional("b.py"))``: files run in this namespace."""

    patterns: tuple[tuple[str, bool], ...]  # (glob relative to this file, optional)
    line: int
    conditional: bool = False


Event = Binding | StarImport | NameImport | Include


@dataclass(frozen=True, slots=True)
class EnvObject:
    """A name bound to an environment reader: django-environ ``Env()``/``FileAwareEnv()``,
    environs ``Env()`` or a python-decouple ``AutoConfig()``; ``scheme`` holds the defaults given
    to django-environ's constructor (``Env(DEBUG=(bool, False))``)."""

    kind: str  # "environ", "environs" or "decouple"
    scheme: dict[str, ast.expr] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Helper:
    """A project function that reads the variable named by one of its parameters."""

    source: str  # what it reads through: "os", "environ", "environs", "decouple"
    var_index: int
    var_param: str
    default_index: int | None  # the parameter whose value is the default, if any
    default_param: str | None
    param_default: ast.expr | None  # that parameter's own default
    fixed_default: ast.expr | None  # a default the helper always passes (os.environ.get(n, ""))
    required: bool  # a missing variable raises


@dataclass(slots=True)
class ModuleFacts:
    """A module's namespace: what it binds at module level, in order, and how it reads the
    environment. Kept for settings modules and the modules they may import names from."""

    events: list[Event] = field(default_factory=list)
    aliases: dict[str, str] = field(default_factory=dict)
    values: dict[str, list[ast.expr]] = field(default_factory=dict)
    env_objects: dict[str, EnvObject] = field(default_factory=dict)
    helpers: dict[str, Helper] = field(default_factory=dict)
    returns: dict[str, list[ast.expr]] = field(default_factory=dict)  # function -> returned values
    # Functions that may turn out to be helpers once imported names are known (settings only).
    functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = field(default_factory=dict)
    guards: frozenset[str] = frozenset()  # names and strings that raising checks look at
    persisted: frozenset[str] = frozenset()  # names written to a file (f.write(SECRET_KEY))


@dataclass(slots=True)
class FileFacts:
    """What one file contributes to project-level rules. Plain data: safe to pickle."""

    path: str
    parts: tuple[str, ...]
    dotted: str
    parsed: bool = True
    is_test: bool = False
    is_settings: bool = False
    settings_env: str | None = None
    entry_point: str | None = None  # "manage", "wsgi" or "asgi" by file name
    celery_app_at: tuple[int, int] | None = None  # where Celery(...) is instantiated
    celery_makers: set[str] = field(default_factory=set)  # Celery subclasses and factories
    rejects_hosts_at: int | None = None  # line of a `raise DisallowedHost(...)`: own host checks
    imports: dict[str, tuple[int, str, str]] = field(default_factory=dict)  # name -> (lvl, mod, n)
    imported_calls: list[tuple[str, int, int]] = field(default_factory=list)  # (name, line, col)
    settings_writes: list[SettingsWrite] = field(default_factory=list)
    signal_handlers: list[tuple[str, str, int]] = field(default_factory=list)
    functions: dict[str, FunctionInfo] = field(default_factory=dict)
    suppressions: dict[int, frozenset[str]] = field(default_factory=dict)
    module: ModuleFacts | None = None
    rule_data: dict[str, Any] = field(default_factory=dict)

    @property
    def is_production_like(self) -> bool:
        return self.is_settings and self.settings_env in ("production", "staging")

    @property
    def is_testing_settings(self) -> bool:
        return self.is_settings and self.settings_env == "testing"

    @property
    def is_celery_app(self) -> bool:
        return self.celery_app_at is not None

    @property
    def name(self) -> str:
        return self.parts[-1]
