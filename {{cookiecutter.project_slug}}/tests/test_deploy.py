"""Production settings pass Django's deployment checklist."""

import os
import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def test_check_deploy_is_clean_under_production_settings():
    environ = {
        **os.environ,
        "DJANGO_ENVIRONMENT": "production",
        "DJANGO_SECRET_KEY": "deploy-check-" + "k3y" * 20,
        "DJANGO_ALLOWED_HOSTS": "example.com",
        "DATABASE_URL": "postgres://app@127.0.0.1:5432/app",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
        "CELERY_RESULT_BACKEND": "redis://127.0.0.1:6379/1",
    }
    environ.pop("DJANGO_SETTINGS_MODULE", None)
    completed = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=PROJECT_ROOT,
        env=environ,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert "no issues" in completed.stdout
