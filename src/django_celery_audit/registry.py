"""The rule registry.

A rule is a module in :mod:`django_celery_audit.rules` that creates one :class:`Rule` and hangs
callbacks on it with ``@RULE.register(ast.NodeType)``, ``@RULE.at_file_end`` and
``@RULE.at_project_end``. :func:`load_rules` imports every such module, so adding a rule means
adding one file (plus its tests); nothing else needs to learn its name.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
from collections import defaultdict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django_celery_audit.model import Severity

if TYPE_CHECKING:
    from django_celery_audit.context import FileContext, Project

NodeCallback = Callable[["FileContext", Any], None]
FileCallback = Callable[["FileContext"], None]
ProjectCallback = Callable[["Project"], None]


class Collector:
    """Something that listens to the single walk: a rule, or the shared fact collector."""

    def __init__(self) -> None:
        self.node_callbacks: dict[type[ast.AST], list[NodeCallback]] = defaultdict(list)
        self.file_end: list[FileCallback] = []
        self.project_end: list[ProjectCallback] = []
        self.predicate: Callable[[FileContext], bool] | None = None

    def when(self, predicate: Callable[[FileContext], bool]) -> Callable[[FileContext], bool]:
        """Only walk files for which the decorated predicate is true (judged before the walk).

        Keeps rules that care about settings or Celery modules out of the other 95% of files.
        """
        self.predicate = predicate
        return predicate

    def register(self, *node_types: type[ast.AST]) -> Callable[[NodeCallback], NodeCallback]:
        """Call the decorated function for every node of these types during the file's walk."""

        def decorator(func: NodeCallback) -> NodeCallback:
            for node_type in node_types:
                self.node_callbacks[node_type].append(func)
            return func

        return decorator

    def at_file_end(self, func: FileCallback) -> FileCallback:
        """Call the decorated function once per file, after the walk (whole-file facts known)."""
        self.file_end.append(func)
        return func

    def at_project_end(self, func: ProjectCallback) -> ProjectCallback:
        """Call the decorated function once, with every file's facts (cross-file, layout)."""
        self.project_end.append(func)
        return func


class Rule(Collector):
    """One finding code. The rule module's docstring is its documentation: line one says why."""

    def __init__(
        self,
        *,
        code: str,
        name: str,
        severity: Severity,
        title: str,
        template_answer: str,
        doc: str | None,
    ) -> None:
        super().__init__()
        if not doc:
            raise ValueError(
                f"{code}: a rule module needs a docstring saying why the pattern is dangerous"
            )
        self.code = code
        self.name = name
        self.severity = severity
        self.title = title
        self.template_answer = template_answer
        self.doc = doc.strip()
        if code in REGISTRY:
            raise ValueError(f"rule code {code} is defined twice")
        REGISTRY[code] = self

    @property
    def why(self) -> str:
        """The docstring's first paragraph, on one line."""
        return " ".join(self.doc.split("\n\n", 1)[0].split())

    def __repr__(self) -> str:
        return f"<Rule {self.code} {self.name}>"


REGISTRY: dict[str, Rule] = {}
_loaded = False


def load_rules() -> dict[str, Rule]:
    """Import every module under ``django_celery_audit.rules``; return the rules by code, sorted."""
    global _loaded
    if not _loaded:
        from django_celery_audit import rules

        for info in pkgutil.iter_modules(rules.__path__):
            if not info.name.startswith("_"):
                importlib.import_module(f"{rules.__name__}.{info.name}")
        _loaded = True
    return dict(sorted(REGISTRY.items()))
