"""Parsing files written for a newer Python than the one running the auditor.

Python 3.11's ``ast`` rejects valid 3.12+ code (type parameter lists, nested f-string quotes). Such
a file is parsed by the newest Python found on this machine (``python3.X`` on PATH, or a pyenv
version; nothing is downloaded), in a subprocess that sends the tree back as JSON. Nodes this
interpreter lacks are translated (``type X = ...`` becomes an assignment; type parameters, which no
rule reads, are dropped). When no newer Python can parse it, the caller says which one is needed.
"""

from __future__ import annotations

import ast
import base64
import glob
import json
import os
import shutil
import subprocess
import sys
from functools import cache
from typing import Any

_TIMEOUT = 60
REJECTIONS_BEFORE_GIVING_UP = 20
_rejected = [0]  # per process (parallel workers each keep their own)
# Run by the newer interpreter: read source on stdin, print the tree as JSON.
_DUMPER = r"""
import ast, base64, json, sys
source = sys.stdin.buffer.read()
try:
    tree = ast.parse(source)
except SyntaxError as exc:
    print(json.dumps({"error": exc.msg, "line": exc.lineno or 1}))
    raise SystemExit(0)
class Older(ast.NodeTransformer):
    def visit_TypeAlias(self, node):
        target = ast.Name(node.name.id, ast.Store())
        return ast.copy_location(ast.Assign([ast.copy_location(target, node)], node.value), node)
tree = Older().visit(tree)
def encode(value):
    if isinstance(value, ast.AST):
        out = {"_": type(value).__name__}
        for name in value._fields + value._attributes:
            if name != "type_params":
                out[name] = encode(getattr(value, name, None))
        return out
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, bytes):
        return {"$bytes": base64.b64encode(value).decode()}
    if isinstance(value, complex):
        return {"$complex": [value.real, value.imag]}
    if value is Ellipsis:
        return {"$ellipsis": True}
    return value
print(json.dumps({"tree": encode(tree)}))
"""


@cache
def newer_pythons() -> tuple[tuple[str, tuple[int, int]], ...]:
    """Interpreters newer than this one, newest first: (path, (major, minor)). pyenv's shims are
    passed over: without a selected version they fail, and they are slow."""
    found: dict[tuple[int, int], str] = {}
    current = sys.version_info[:2]
    pyenv_root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    for minor in range(current[1] + 1, 20):
        name = f"python3.{minor}"
        installed = sorted(glob.glob(f"{pyenv_root}/versions/3.{minor}*/bin/{name}"), reverse=True)
        for path in [*installed, shutil.which(name)]:
            if path and "/shims/" not in path and os.access(path, os.X_OK):
                found[(3, minor)] = path
                break
    return tuple((found[v], v) for v in sorted(found, reverse=True))


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "$bytes" in value:
        return base64.b64decode(value["$bytes"])
    if "$complex" in value:
        return complex(*value["$complex"])
    if "$ellipsis" in value:
        return Ellipsis
    cls = getattr(ast, value["_"], None)
    if not (isinstance(cls, type) and issubclass(cls, ast.AST)):
        raise ValueError(f"no ast.{value['_']} here")
    node = cls()
    for name in (*cls._fields, *cls._attributes):
        if name in value:
            setattr(node, name, _decode(value[name]))
    return node


def gave_up() -> bool:
    """Whether this process stopped asking newer Pythons (too many files they rejected too)."""
    return _rejected[0] >= REJECTIONS_BEFORE_GIVING_UP


def parse_with_newer(source: bytes) -> tuple[ast.Module | None, str | None]:
    """(tree, None) when a newer Python parses ``source``; (None, "3.X") when one parses it but its
    tree cannot be rebuilt here; (None, None) when none parses it (or none is installed).

    After a few files that the newer Python rejects too (Python 2 trees, broken files), this
    process stops asking: each ask starts an interpreter."""
    if gave_up():
        return None, None
    for path, version in newer_pythons():
        try:
            done = subprocess.run(
                [path, "-I", "-c", _DUMPER],
                input=source,
                capture_output=True,
                timeout=_TIMEOUT,
                check=False,
            )
            answer = json.loads(done.stdout)
        except (OSError, subprocess.SubprocessError, ValueError):
            continue
        if "tree" not in answer:
            _rejected[0] += 1
            return None, None  # the newest Python rejects it too: a real syntax error
        try:
            tree = _decode(answer["tree"])
        except (ValueError, TypeError, KeyError, RecursionError):
            return None, f"{version[0]}.{version[1]}"
        if isinstance(tree, ast.Module):
            return tree, None
    return None, None
