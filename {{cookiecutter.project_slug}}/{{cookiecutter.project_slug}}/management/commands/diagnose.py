"""``manage.py diagnose``: the worker's start-up checks, from a shell or a health check.

Exits 0 only when the settings load, the database answers and the broker accepts a
connection; otherwise it names what failed.
"""

from django.core.management.base import BaseCommand, CommandError

from {{ cookiecutter.project_slug }} import diagnostics
from {{ cookiecutter.project_slug }}.celery import app


class Command(BaseCommand):
    help = "Check the settings, database and broker this process would use."

    def add_arguments(self, parser):
        parser.add_argument(
            "--timeout",
            type=float,
            default=2.5,
            help="Seconds to wait for each of the database and the broker (default 2.5).",
        )

    def handle(self, *args, timeout: float, **options):
        configuration = diagnostics.Configuration.current(app.conf.broker_url)
        self.stdout.write(f"settings  {configuration.settings_module}")
        checks = {
            "database": (
                f"{configuration.engine} name={configuration.database} host={configuration.host}",
                diagnostics.probe_database(timeout),
            ),
            "broker": (configuration.broker, diagnostics.probe_broker(app, timeout)),
        }
        failed = []
        for name, (target, result) in checks.items():
            self.stdout.write(f"{name:<9} {target}: {result.detail}")
            if not result.ok:
                failed.append(f"{name} ({result.detail})")
        if failed:
            raise CommandError(f"diagnose failed: {'; '.join(failed)}")
        self.stdout.write(self.style.SUCCESS("all checks passed"))
