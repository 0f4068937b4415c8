"""The registry: rules discover themselves, and each is documented and tested."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
import sys
from pathlib import Path

from django_celery_audit import rules
from django_celery_audit.engine import audit
from django_celery_audit.layout import EXPECTED_LAYOUT
from django_celery_audit.registry import REGISTRY, load_rules

from .conftest import FIXTURES, REPO_ROOT

TESTS = REPO_ROOT / "tests" / "audit"
RULES_DIR = REPO_ROOT / "src" / "django_celery_audit" / "rules"
RULE_CODE = re.compile(r"DCA\d{3}")


def _rule_modules():
    return [m.name for m in pkgutil.iter_modules(rules.__path__) if not m.name.startswith("_")]


def test_every_rule_module_defines_one_documented_rule():
    loaded = load_rules()
    assert len(_rule_modules()) == len(loaded)
    for name in _rule_modules():
        module = importlib.import_module(f"{rules.__name__}.{name}")
        rule = module.RULE
        assert name.startswith(rule.code.lower() + "_")
        assert REGISTRY[rule.code] is rule
        assert module.__doc__ and rule.why.endswith((".", ")"))
        assert re.fullmatch(r"DCA\d{3}", rule.code)
        assert rule.template_answer and "\n" not in rule.template_answer


def test_rules_do_not_walk_the_tree_themselves(monkeypatch):
    """One walk per file: rules hook callbacks and may walk sub-expressions, never the module.

    Statically, no rule reaches the module (``ctx.tree``) or parses the source again; and in
    a real audit, no rule hands a whole module to ``ast.walk``, ``ast.iter_child_nodes`` or a
    ``NodeVisitor``.
    """
    for name in _rule_modules():
        source = (RULES_DIR / f"{name}.py").read_text()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Attribute):
                assert node.attr not in ("tree", "parse"), f"{name} reaches the whole module"

    walked_modules = []

    def watching(function, position=0):
        def watched(*args, **kwargs):
            caller = sys._getframe(1).f_globals.get("__name__", "")
            if isinstance(args[position], ast.Module) and caller.startswith(rules.__name__):
                walked_modules.append(caller)
            return function(*args, **kwargs)

        return watched

    monkeypatch.setattr(ast, "walk", watching(ast.walk))
    monkeypatch.setattr(ast, "iter_child_nodes", watching(ast.iter_child_nodes))
    monkeypatch.setattr(ast.NodeVisitor, "visit", watching(ast.NodeVisitor.visit, position=1))
    result = audit(FIXTURES / "incident", jobs=1)
    assert {finding.code for finding in result.findings} >= {"DCA101", "DCA102", "DCA201"}
    assert walked_modules == []


def codes_asserted_by_tests() -> set[str]:
    """Rule codes that some test function asserts about, in its body or its parameters.

    Docstrings, comments and this file do not count: a code mentioned only there is untested.
    Module-level names a test uses (its BAD/GOOD cases, expected sets) count as its own.
    """
    codes: set[str] = set()
    for path in TESTS.glob("test_*.py"):
        if path.name == Path(__file__).name:
            continue
        tree = ast.parse(path.read_text())
        module_values = {
            target.id: statement.value
            for statement in tree.body
            if isinstance(statement, ast.Assign)
            for target in statement.targets
            if isinstance(target, ast.Name)
        }
        for function in ast.walk(tree):
            if not (isinstance(function, ast.FunctionDef) and function.name.startswith("test_")):
                continue
            if not any(isinstance(node, ast.Assert) for node in ast.walk(function)):
                continue
            body = function.body[1:] if ast.get_docstring(function) else function.body
            used = {node.id for node in ast.walk(function) if isinstance(node, ast.Name)}
            parts = [
                *function.decorator_list,
                *body,
                *(module_values[n] for n in used & module_values.keys()),
            ]
            codes |= {
                node.value
                for part in parts
                for node in ast.walk(part)
                if isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and RULE_CODE.fullmatch(node.value)
            }
    return codes


def test_every_rule_is_documented_and_tested():
    doc = (REPO_ROOT / "docs" / "audit.md").read_text()
    tested = codes_asserted_by_tests()
    for code, rule in load_rules().items():
        assert f"### {code}" in doc, f"{code} missing from docs/audit.md"
        assert code in tested, f"no test asserts a {code} finding"
        section = doc.split(f"### {code}", 1)[1].split("\n### ", 1)[0]
        if code not in ("DCA001", "DCA002"):
            assert "Before" in section and "After" in section, f"{code} needs a before/after"
        assert rule.name in section


def test_layout_codes_exist():
    loaded = load_rules()
    for piece in EXPECTED_LAYOUT:
        assert piece.code is None or piece.code in loaded  # None: the layout report only
        assert piece.template_path.startswith("{slug}/")
