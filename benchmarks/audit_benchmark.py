"""Benchmark: audit a generated 2,000-file Django + Celery project.

    python benchmarks/audit_benchmark.py [--files 2000] [--runs 5] [--keep DIR]

Each run is a fresh ``python -m django_celery_audit PATH --format json`` subprocess, so the figures
include interpreter start-up, discovery, parsing, every rule and rendering: what a user waits for.
The subprocess also reports the time spent inside ``audit()`` alone. Peak memory is the largest
child's peak resident set size, from ``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss`` read after
each run (on Linux: the largest single process, so with parallel parsing it is the biggest of the
parent and its workers, not their sum). Target: 2,000 files in under 2 s.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_FILES = 2000
TARGET_SECONDS = 2.0
_SRC = Path(__file__).resolve().parent.parent / "src"

_MODEL = '''"""Models for {app}."""

from django.db import models
from django.utils import timezone


class {Name}(models.Model):
    """A {app} record."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)
    created = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(auto_now=True)
    active = models.BooleanField(default=True)
    score = models.DecimalField(max_digits=10, decimal_places=2, default=0)

    class Meta:
        ordering = ["-created"]
        indexes = [models.Index(fields=["slug"]), models.Index(fields=["created"])]

    def __str__(self):
        return self.name

    def activate(self):
        self.active = True
        self.save(update_fields=["active", "updated"])

    def total(self, items):
        result = 0
        for item in items:
            if item.get("active", True):
                result += item["amount"] * {factor}
            else:
                result -= item.get("refund", 0)
        return result
'''

_VIEW = '''"""Views for {app}."""

from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET, require_POST

from .models import {Name}
from .tasks import process_{app}


@require_GET
def detail(request, slug):
    obj = get_object_or_404({Name}, slug=slug)
    return JsonResponse({{"name": obj.name, "score": str(obj.score), "active": obj.active}})


@require_GET
def listing(request):
    page = int(request.GET.get("page", 1))
    size = min(int(request.GET.get("size", 20)), 100)
    qs = {Name}.objects.filter(active=True)[(page - 1) * size : page * size]
    return JsonResponse({{"results": [{{"name": o.name, "slug": o.slug}} for o in qs]}})


@require_POST
def start(request, slug):
    obj = get_object_or_404({Name}, slug=slug)
    result = process_{app}.delay(obj.pk)
    return JsonResponse({{"task": result.id}}, status=202)
'''

_TASK = '''"""Tasks for {app}."""

import logging

from celery import shared_task
from django.db import transaction

from .models import {Name}

logger = logging.getLogger(__name__)


@shared_task(bind=True, max_retries=3, default_retry_delay={delay})
def process_{app}(self, pk):
    try:
        with transaction.atomic():
            obj = {Name}.objects.select_for_update().get(pk=pk)
            obj.score = obj.total([{{"amount": 1, "active": True}}])
            obj.save(update_fields=["score"])
    except {Name}.DoesNotExist:
        logger.warning("missing %s", pk)
    except Exception as exc:
        raise self.retry(exc=exc) from exc
    return pk
'''

_SERVICE = '''"""Service helpers for {app}, part {n}."""

import dataclasses
import datetime


@dataclasses.dataclass
class Summary{n}:
    count: int
    total: float
    since: datetime.date

    def average(self):
        return self.total / self.count if self.count else 0.0


def summarise(rows, since=None):
    since = since or datetime.date.today() - datetime.timedelta(days={n})
    kept = [r for r in rows if r["date"] >= since and r.get("state") in ("open", "done")]
    return Summary{n}(len(kept), sum(r["value"] for r in kept), since)


def bucket(rows, width={width}):
    buckets = {{}}
    for row in rows:
        key = row["value"] // width
        buckets.setdefault(key, []).append(row)
    return dict(sorted(buckets.items()))
'''

_HELPER = '''

def step_{k}(state, events, *, limit={width}):
    """Fold events into state (helper {k})."""
    seen = set(state.get("seen", ()))
    totals = dict(state.get("totals", {{}}))
    for event in events[:limit * 10]:
        if event["id"] in seen:
            continue
        seen.add(event["id"])
        kind = event.get("kind", "other")
        totals[kind] = totals.get(kind, 0) + event.get("value", 1)
        if totals[kind] > limit * 100:
            totals[kind] = limit * 100
    return {{"seen": sorted(seen), "totals": totals, "count": len(seen)}}
'''

_TEST = '''"""Tests for {app}."""

import sys

import pytest

from {app}.services_1 import bucket, summarise

RUNNING_UNDER_PYTEST = "pytest" in sys.modules


@pytest.mark.parametrize("width", [1, 5, 10])
def test_bucket(width):
    rows = [{{"value": v}} for v in range(20)]
    assert sum(len(v) for v in bucket(rows, width).values()) == 20


def test_summarise_empty():
    assert summarise([]).count == 0
'''

_SETTINGS = {
    "settings/__init__.py": "",
    "settings/base.py": """from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent.parent
INSTALLED_APPS = {apps!r}
MIDDLEWARE = ["django.middleware.security.SecurityMiddleware"]
ROOT_URLCONF = "bench.urls"
SECRET_KEY = "insecure-benchmark-key"
DEBUG = True
""",
    "settings/production.py": """import os
import sys

from decouple import config

from .base import *  # noqa

DEBUG = config("DEBUG", default=False, cast=bool)
if "pytest" in sys.modules:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql",
                             "NAME": os.environ.get("DB_NAME")}}
""",
}

_CELERY = """import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings.development")
app = Celery("bench")
app.config_from_object("django.conf:settings", namespace="CELERY")
"""


def generate_project(root: Path, n_files: int) -> None:
    """Write a Django + Celery project of exactly ``n_files`` Python files under ``root``."""
    rng = random.Random(2000)
    root.mkdir(parents=True, exist_ok=True)
    written = 0

    def write(rel: str, text: str) -> None:
        nonlocal written
        if written >= n_files:
            return
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written += 1

    per_app = 10  # __init__, models, views, tasks, tests/__init__, tests/test_x, 4 services
    n_apps = max(1, (n_files - 8) // per_app + 1)
    apps = [f"app{i:04d}" for i in range(n_apps)]
    write(
        "manage.py",
        'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings.production")\n',
    )
    write("bench/__init__.py", "from .celery import app as celery_app\n")
    write("bench/celery.py", _CELERY)
    for rel, text in _SETTINGS.items():
        write(f"bench/{rel}", text.replace("{apps!r}", repr(apps[:20])))
    write("bench/urls.py", "urlpatterns = []\n")
    for app in apps:
        name = app.capitalize()
        fields = {
            "app": app,
            "Name": name,
            "factor": rng.randint(1, 9),
            "delay": rng.randint(5, 60),
        }
        write(f"{app}/__init__.py", "")
        write(f"{app}/models.py", _MODEL.format(**fields))
        write(f"{app}/views.py", _VIEW.format(**fields))
        write(f"{app}/tasks.py", _TASK.format(**fields))
        write(f"{app}/tests/__init__.py", "")
        write(f"{app}/tests/test_{app}.py", _TEST.format(**fields))
        for n in range(1, 5):
            width = rng.randint(2, 9)
            helpers = "".join(_HELPER.format(k=k, width=width) for k in range(rng.randint(2, 6)))
            write(f"{app}/services_{n}.py", _SERVICE.format(app=app, n=n, width=width) + helpers)
        if written >= n_files:
            break


_RUNNER = """
import json, sys, time
from pathlib import Path
sys.path.insert(0, {src!r})
start = time.perf_counter()
from django_celery_audit.cli import main
import io, contextlib
buffer = io.StringIO()
with contextlib.redirect_stdout(buffer):
    code = main([{root!r}, "--format", "json"])
elapsed = time.perf_counter() - start
report = json.loads(buffer.getvalue())
print(json.dumps({{"seconds": elapsed, "code": code, "summary": report["summary"]}}))
"""


def measure(root: Path, runs: int = 5) -> dict[str, float]:
    """Audit ``root`` ``runs`` times, each in a fresh subprocess; return timings and peak memory.

    Returns median/min/max wall-clock seconds of the whole command (``median_s``, ``min_s``,
    ``max_s``), the median time inside the auditor after interpreter start-up (``audit_median_s``),
    the median CPU seconds (user + sys) of each run including its worker processes
    (``cpu_median_s``), the number of files audited, and ``peak_mib``: the peak resident set size
    of the largest child process, from ``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss``.
    """
    walls: list[float] = []
    inner: list[float] = []
    summary: dict[str, int] = {}
    script = _RUNNER.format(src=str(_SRC), root=str(root))
    cpu: list[float] = []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, check=True
        )
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
        data = json.loads(done.stdout)
        inner.append(data["seconds"])
        summary = data["summary"]
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {
        "median_s": statistics.median(walls),
        "min_s": min(walls),
        "max_s": max(walls),
        "audit_median_s": statistics.median(inner),
        "cpu_median_s": statistics.median(cpu),
        "files": summary.get("files_audited", 0),
        "findings": summary.get("findings", 0),
        "peak_mib": peak_kib / 1024,
    }


# --- a real-shaped tree, audited side by side with ruff ---------------------------------------
REAL_FILES = 4000
# Calibrated on five public Django + Celery projects (kpi, kitsune, pretalx, readthedocs.org,
# taiga-back): median .py file 1.2-1.9 KB, 90th percentile 10-16 KB, a few over 100 KB; about
# 15% __init__.py, a quarter migrations, a fifth tests.
_SIZE_MEDIAN = 1500
_SIZE_SIGMA = 1.5
_SIZE_CAP = 150_000

_HEADERS = {
    "models": "from django.db import models\n"
    "from django.utils.translation import gettext_lazy as _\n",
    "views": "from django.shortcuts import get_object_or_404, render\n"
    "from rest_framework import viewsets\n",
    "serializers": "from rest_framework import serializers\n",
    "admin": "from django.contrib import admin\n",
    "urls": "from django.urls import include, path\n\nurlpatterns = []\n",
    "tasks": "import logging\n\nfrom celery import shared_task\n\n"
    "logger = logging.getLogger(__name__)\n",
    "signals": "from django.db.models.signals import post_save\n"
    "from django.dispatch import receiver\n",
    "utils": "import datetime\nimport os\nimport re\n",
    "constants": "from django.utils.translation import gettext_lazy as _\n",
    "fields": "from django.db import models\n",
    "permissions": "from rest_framework import permissions\n",
    "test": "import pytest\nfrom django.test import TestCase\n",
    "migration": "from django.db import migrations, models\n",
    "command": "from django.core.management.base import BaseCommand\n",
}
_BODY = '''

class {kind_title}{k}:
    """{kind} helper {k}: real modules are mostly classes and small functions like this."""

    limit = {k}

    def __init__(self, rows=None):
        self.rows = list(rows or [])

    def total(self, key="value"):
        return sum(row.get(key, 0) for row in self.rows if row.get("active", True))

    def grouped(self, key="kind"):
        groups = {{}}
        for row in self.rows:
            groups.setdefault(row.get(key, "other"), []).append(row)
        return {{name: len(items) for name, items in sorted(groups.items())}}


def {kind}_step_{k}(state, events, *, limit={k}):
    seen = set(state.get("seen", ()))
    for event in events[: limit * 10]:
        if event["id"] not in seen and event.get("kind") != "ignored":
            seen.add(event["id"])
    return {{"seen": sorted(seen), "count": len(seen)}}
'''
_REAL_SETTINGS = {
    "base.py": """import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent.parent
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "dev-only-key")
DEBUG = os.environ.get("DJANGO_DEBUG", "true").lower() == "true"
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "*").split(",")
INSTALLED_APPS = {apps!r}
MIDDLEWARE = ["django.middleware.security.SecurityMiddleware"]
ROOT_URLCONF = "site_core.urls"
DATABASES = {{"default": {{"ENGINE": "django.db.backends.postgresql",
                         "NAME": os.environ.get("DB_NAME", "site")}}}}
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "redis://localhost:6379/0")
""",
    "development.py": "from .base import *  # noqa\nCELERY_TASK_ALWAYS_EAGER = True\n",
    "production.py": "from .base import *  # noqa\nDEBUG = False\n",
    "testing.py": "from .base import *  # noqa\nPASSWORD_HASHERS = ['md5']\n",
    "__init__.py": "",
}
_REAL_PROJECT = {
    "manage.py": """import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_core.settings.production")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
""",
    "site_core/__init__.py": "from .celery import app as celery_app\n\n__all__ = ['celery_app']\n",
    "site_core/celery.py": """import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_core.settings.development")
app = Celery("site_core")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
""",
    "site_core/wsgi.py": """import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_core.settings.production")
application = get_wsgi_application()
""",
    "site_core/urls.py": "from django.urls import include, path\n\nurlpatterns = []\n",
    "conftest.py": "import pytest\n\n\n@pytest.fixture\ndef rows():\n    return []\n",
    "docs/conf.py": "project = 'site'\nextensions = []\n",
}


def _sized(rng: random.Random, header: str, kind: str) -> str:
    """``header`` plus helper blocks up to a size drawn from the corpus' distribution."""
    target = min(int(rng.lognormvariate(0, _SIZE_SIGMA) * _SIZE_MEDIAN), _SIZE_CAP)
    parts = [header]
    size, k = len(header), 0
    while size < target:
        block = _BODY.format(kind=kind, kind_title=kind.title(), k=k)
        parts.append(block)
        size += len(block)
        k += 1
    return "".join(parts)


def generate_real_shaped(root: Path, n_files: int = REAL_FILES, seed: int = 4000) -> None:
    """Write a Django + Celery project of ``n_files`` Python files shaped like the corpus: apps
    with models, views, serializers, tasks, signals, migrations and tests of realistic sizes, a
    settings package, a Celery app, plus templates and static files, a ``.gitignore``'d build
    directory and a ``node_modules`` (neither tool should read those). Nothing third-party."""
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    written = 0

    def write(rel: str, text: str, python: bool = True) -> None:
        nonlocal written
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written += python

    n_apps = max(1, n_files // 40)
    apps = [
        f"{rng.choice(['core', 'billing', 'events', 'media', 'people'])}_{i:03d}"
        for i in range(n_apps)
    ]
    for rel, text in _REAL_PROJECT.items():
        write(rel, text)
    for rel, text in _REAL_SETTINGS.items():
        write(
            f"site_core/settings/{rel}",
            text.replace("{apps!r}", repr(apps[:30])).replace("{{", "{").replace("}}", "}"),
        )
    write(".gitignore", "build/\n*.egg-info/\n__pycache__/\n", python=False)
    for i in range(30):  # ignored by .gitignore: neither tool may count these
        write(f"build/lib/site_core/copy_{i}.py", "import os\nSECRET_KEY = 'x'\n", python=False)
        write(f"node_modules/pkg/script_{i}.py", "x = 1\n", python=False)
    modules = [
        "models",
        "views",
        "serializers",
        "admin",
        "urls",
        "tasks",
        "signals",
        "utils",
        "constants",
        "fields",
        "permissions",
    ]
    app_cycle = 0
    while written < n_files:
        app = apps[app_cycle % n_apps]
        round_ = app_cycle // n_apps
        app_cycle += 1
        if round_ == 0:
            write(f"{app}/__init__.py", "")
            write(
                f"{app}/apps.py",
                "from django.apps import AppConfig\n\n\n"
                f"class Config(AppConfig):\n    name = {app!r}\n",
            )
            write(f"{app}/migrations/__init__.py", "")
            write(f"{app}/tests/__init__.py", "")
            for name in modules:
                write(f"{app}/{name}.py", _sized(rng, _HEADERS[name], name))
            write(f"{app}/templates/{app}/index.html", "<h1>{{ title }}</h1>\n", python=False)
            write(f"{app}/static/{app}/app.js", "console.log('x');\n", python=False)
        else:
            kind = rng.choice(["migration", "migration", "test", "test", "command", "extra"])
            if kind == "migration":
                write(
                    f"{app}/migrations/{round_:04d}_auto.py",
                    _sized(rng, _HEADERS["migration"], "migration"),
                )
            elif kind == "test":
                write(f"{app}/tests/test_{round_:03d}.py", _sized(rng, _HEADERS["test"], "test"))
            elif kind == "command":
                write(
                    f"{app}/management/commands/job_{round_:03d}.py",
                    _sized(rng, _HEADERS["command"], "command"),
                )
            else:
                write(
                    f"{app}/services/part_{round_:03d}.py",
                    _sized(rng, _HEADERS["utils"], "service"),
                )
                if not (root / app / "services" / "__init__.py").exists():
                    write(f"{app}/services/__init__.py", "")


def _ruff_binary() -> str:
    from ruff.__main__ import find_ruff_bin

    return str(find_ruff_bin())


def versus_ruff(root: Path, runs: int = 5) -> dict[str, float]:
    """Wall time (and CPU time) of ``django-celery-audit ROOT`` and ``ruff check ROOT`` (default
    rules, no cache, no project configuration), alternating run by run so both see the same
    machine load."""
    audit_cmd = [sys.executable, "-m", "django_celery_audit", str(root), "--format", "json"]
    ruff_cmd = [_ruff_binary(), "check", "--isolated", "--no-cache", "--exit-zero", "-q", str(root)]
    env = {**os.environ, "PYTHONPATH": str(_SRC)}
    times: dict[str, list[float]] = {"audit": [], "ruff": []}
    cpu: dict[str, list[float]] = {"audit": [], "ruff": []}
    files = 0
    for _ in range(runs):
        for name, command in (("audit", audit_cmd), ("ruff", ruff_cmd)):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
            times[name].append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu[name].append(
                (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            )
            if name == "audit":
                if done.returncode not in (0, 1):
                    raise RuntimeError(f"the audit failed: {done.stderr.strip()[-300:]}")
                files = json.loads(done.stdout)["summary"]["files_audited"]
            elif done.returncode != 0:
                raise RuntimeError(f"ruff failed: {done.stderr.strip()[-300:]}")
    audit_s, ruff_s = statistics.median(times["audit"]), statistics.median(times["ruff"])
    return {
        "audit_median_s": audit_s,
        "audit_min_s": min(times["audit"]),
        "audit_max_s": max(times["audit"]),
        "ruff_median_s": ruff_s,
        "ruff_min_s": min(times["ruff"]),
        "ruff_max_s": max(times["ruff"]),
        "ratio": audit_s / ruff_s,
        # CPU seconds (user + sys, children included) do not depend on other load, unlike wall
        # time; ruff spreads its CPU time over every core, the auditor mostly uses one.
        "audit_cpu_median_s": statistics.median(cpu["audit"]),
        "ruff_cpu_median_s": statistics.median(cpu["ruff"]),
        "files": files,
        "runs": runs,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--files", type=int, default=TARGET_FILES)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="generate into this directory and keep it")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        root = args.keep or Path(tmp) / "project"
        generate_project(root, args.files)
        result = measure(root, max(args.runs, 1))
    print(f"files audited:  {result['files']} ({result['findings']} findings)")
    print(f"machine:        {os.cpu_count()} CPU(s), Python {sys.version.split()[0]}")
    print(
        f"wall time:      median {result['median_s']:.3f} s, min {result['min_s']:.3f} s, "
        f"max {result['max_s']:.3f} s over {max(args.runs, 1)} runs (whole command)"
    )
    print(f"audit() alone:  median {result['audit_median_s']:.3f} s")
    print(
        f"CPU time:       median {result['cpu_median_s']:.3f} s per run (user+sys, all "
        "processes; unaffected by other load, unlike wall time)"
    )
    print(f"load average:   {os.getloadavg()[0]:.2f} (wall times are only meaningful near 0)")
    print(f"peak memory:    {result['peak_mib']:.1f} MiB (largest child's ru_maxrss)")
    verdict = "within" if result["median_s"] < TARGET_SECONDS else "OVER"
    print(f"target:         {TARGET_FILES} files under {TARGET_SECONDS:.0f} s -> {verdict} target")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
