"""The registry: rules discover themselves, and each is documented and tested."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re

from django_celery_audit import rules
from django_celery_audit.layout import EXPECTED_LAYOUT
from django_celery_audit.registry import REGISTRY, load_rules

from .conftest import REPO_ROOT

TESTS = REPO_ROOT / "tests" / "audit"


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


def test_rules_do_not_walk_the_tree_themselves():
    """One walk per file: rule modules hook callbacks; only sub-expressions may be walked."""
    for name in _rule_modules():
        source = (REPO_ROOT / "src/django_celery_audit/rules" / f"{name}.py").read_text()
        for node in ast.walk(ast.parse(source)):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("walk", "NodeVisitor")
                and node.args
            ):
                assert "tree" not in ast.unparse(node.args[0]), f"{name} walks the whole tree"


def test_every_rule_is_documented_and_tested():
    doc = (REPO_ROOT / "docs" / "audit.md").read_text()
    tested = "\n".join(p.read_text() for p in TESTS.glob("test_*.py"))
    for code, rule in load_rules().items():
        assert f"### {code}" in doc, f"{code} missing from docs/audit.md"
        assert code in tested, f"{code} has no test"
        section = doc.split(f"### {code}", 1)[1].split("\n### ", 1)[0]
        if code not in ("DCA001", "DCA002"):
            assert "Before" in section and "After" in section, f"{code} needs a before/after"
        assert rule.name in section


def test_layout_codes_exist():
    loaded = load_rules()
    for piece in EXPECTED_LAYOUT:
        assert piece.code is None or piece.code in loaded  # None: the layout report only
        assert piece.template_path.startswith("{slug}/")
