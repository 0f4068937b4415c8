"""What a worker really runs with, checked before and while it works.

A Celery worker that quietly uses other settings than the web process (another database,
say) fails far from its cause. So a worker logs its settings module, database and broker
once before its pool starts and once in every child, probes the database within a bounded
time, refuses to start in production when the probe fails, and logs an ERROR if a task
ever sees a different configuration than the one recorded at start. Beat does the same
start-up check, if the project uses it.
``manage.py diagnose`` runs the same checks from a shell or a container health check.
https://docs.celeryq.dev/en/stable/userguide/signals.html#worker-signals
"""

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, fields

from celery.signals import beat_init, celeryd_after_setup, task_prerun, worker_process_init
from django.conf import settings
from django.db import connections

from .service_urls import mask_passwords
from .stopping import worker_is_stopping

logger = logging.getLogger(__name__)

# libpq gives up after connect_timeout (2 s at least, per address), so a probe is also
# bounded by a thread join: a server that accepts but never answers cannot hang us.
WORKER_PROBE_SECONDS = 2.5
# A child must come up well inside Celery's 4 s start timeout, or it is killed in a loop.
CHILD_PROBE_SECONDS = 1.5
BROKER_PROBE_SECONDS = 2.5
EXIT_CONFIGURATION_ERROR = os.EX_CONFIG


@dataclass(frozen=True)
class Configuration:
    """What this process runs with; never holds a password."""

    settings_module: str
    settings_variable: str
    engine: str
    database: str
    host: str
    connection: str
    broker: str

    @classmethod
    def current(cls, broker_url: str = "") -> "Configuration":
        database = settings.DATABASES["default"]
        host = database.get("HOST") or "local"
        if database.get("PORT"):
            host = f"{host}:{database['PORT']}"
        # What the connection in use was built from, which outlives a reassigned setting.
        in_use = connections["default"].settings_dict
        return cls(
            settings_module=settings.SETTINGS_MODULE,
            settings_variable=os.environ.get("DJANGO_SETTINGS_MODULE", ""),
            engine=database["ENGINE"],
            database=str(database.get("NAME") or ""),
            host=host,
            connection=f"{in_use['ENGINE']} {in_use.get('NAME')} {in_use.get('HOST')}",
            broker=mask_passwords(broker_url) or "(none)",
        )

    def changes_since(self, earlier: "Configuration") -> list[str]:
        """What differs from ``earlier``, apart from the broker (its URL is not re-read)."""
        return [
            f"{field.name} {getattr(earlier, field.name)!r} -> {getattr(self, field.name)!r}"
            for field in fields(self)
            if field.name != "broker" and getattr(earlier, field.name) != getattr(self, field.name)
        ]

    def describe(self) -> str:
        return (
            f"settings {self.settings_module}; database {self.engine} "
            f"name={self.database} host={self.host}; broker {self.broker}"
        )


@dataclass(frozen=True)
class ProbeResult:
    ok: bool
    detail: str
    seconds: float


def run_bounded(check: Callable[[], object], timeout: float) -> ProbeResult:
    """Run ``check`` in a daemon thread and give up on it after ``timeout`` seconds."""
    errors: list[BaseException] = []

    def target() -> None:
        try:
            check()
        except Exception as error:
            errors.append(error)

    started = time.perf_counter()
    thread = threading.Thread(target=target, name="diagnostics-probe", daemon=True)
    thread.start()
    thread.join(timeout)
    seconds = time.perf_counter() - started
    if thread.is_alive():
        return ProbeResult(False, f"no answer within {timeout:.1f} s", seconds)
    if errors:
        error = errors[0]
        message = " ".join(str(error).split()) or "no message"
        return ProbeResult(False, f"{type(error).__name__}: {message}", seconds)
    return ProbeResult(True, f"ok in {seconds * 1000:.0f} ms", seconds)


def probe_database(timeout: float = WORKER_PROBE_SECONDS) -> ProbeResult:
    """Open a fresh connection, run SELECT 1 and close it again, within ``timeout``."""

    def check() -> None:
        # A connection of our own: the shared one may belong to a task, or to the parent.
        connection = connections.create_connection("default")
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        finally:
            connection.close()

    return run_bounded(check, timeout)


def probe_broker(app, timeout: float = BROKER_PROBE_SECONDS) -> ProbeResult:
    """Connect to the broker once, without retrying, within ``timeout``."""

    def check() -> None:
        with app.connection_for_write(connect_timeout=timeout) as connection:
            connection.ensure_connection(max_retries=0)

    return run_bounded(check, timeout)


# Celery takes these from the process environment before the settings of the same name.
CELERY_ENVIRONMENT_OVERRIDES = ("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND")


def environment_overrides() -> list[str]:
    """Environment variables that silently win over a different value in settings."""
    overrides = []
    for name in CELERY_ENVIRONMENT_OVERRIDES:
        from_environment = os.environ.get(name)
        from_settings = getattr(settings, name, None)
        if from_environment and from_settings and from_environment != from_settings:
            overrides.append(
                f"{name} in the environment ({mask_passwords(from_environment)}) "
                f"overrides settings.{name} ({mask_passwords(str(from_settings))})"
            )
    return overrides


_recorded_at_start: Configuration | None = None


def wait_for_broker(app, within: float) -> ProbeResult:
    """Probe the broker until it answers, for at most ``within`` seconds."""
    deadline = time.monotonic() + within
    while True:
        left = deadline - time.monotonic()
        result = probe_broker(app, min(BROKER_PROBE_SECONDS, max(left, 0.5)))
        if result.ok or left <= 0:
            return result
        time.sleep(min(1.0, max(left, 0)))


def check_worker_before_pool(sender: str, instance, **kwargs) -> None:
    """celeryd_after_setup: runs once in the worker's main process, before the pool forks."""
    global _recorded_at_start
    configuration = Configuration.current(instance.app.conf.broker_url)
    _recorded_at_start = configuration
    check_before_work(f"worker {sender}", configuration, instance.app)


def check_beat(sender, **kwargs) -> None:
    """beat_init: the scheduler must send tasks from the same settings as the workers."""
    check_before_work("beat", Configuration.current(sender.app.conf.broker_url), sender.app)


def check_before_work(who: str, configuration: Configuration, app) -> None:
    """Log the configuration, probe database and broker; in production, stop on failure."""
    if not settings.WORKER_DIAGNOSTICS:
        return
    logger.info("%s: %s", who, configuration.describe())
    for override in environment_overrides():
        logger.warning("%s: %s; Celery prefers the environment", who, override)
    check_database(who, configuration)
    require_broker(who, configuration, app)


def check_database(who: str, configuration: Configuration) -> None:
    """Probe the database; stop if it fails and WORKER_REQUIRE_DATABASE is on."""
    result = probe_database(WORKER_PROBE_SECONDS)
    # A forked child must not inherit an open connection (the probe's is closed; be sure).
    connections.close_all()
    if result.ok:
        logger.info("%s: database probe %s", who, result.detail)
        return
    message = (
        f"{who}: database probe failed for {configuration.engine} "
        f"name={configuration.database} host={configuration.host} under "
        f"{configuration.settings_module}: {result.detail}"
    )
    if settings.WORKER_REQUIRE_DATABASE:
        logger.critical("%s; refusing to start.", message)
        raise SystemExit(EXIT_CONFIGURATION_ERROR)
    logger.warning("%s; starting anyway (WORKER_REQUIRE_DATABASE is off).", message)


def require_broker(who: str, configuration: Configuration, app) -> None:
    """In production, give the broker WORKER_REQUIRE_BROKER_WITHIN seconds, then stop.

    Celery itself would retry for the better part of an hour (broker_connection_max_retries)
    before giving up, while an orchestrator waits for a worker that takes nothing.
    """
    within = settings.WORKER_REQUIRE_BROKER_WITHIN
    if within is None:
        return
    result = wait_for_broker(app, within)
    if result.ok:
        logger.info("%s: broker probe %s", who, result.detail)
        return
    logger.critical(
        "%s: broker %s unreachable for %s s under %s: %s; refusing to start.",
        who,
        configuration.broker,
        within,
        configuration.settings_module,
        result.detail,
    )
    raise SystemExit(EXIT_CONFIGURATION_ERROR)


def check_child(**kwargs) -> None:
    """worker_process_init: runs in every pool child as it starts; must stay fast."""
    global _recorded_at_start
    configuration = Configuration.current()
    if _recorded_at_start is None:  # a pool that does not fork from the main process
        _recorded_at_start = configuration
    # A child forked while the worker stops only waits to be told to exit: no probe.
    if not settings.WORKER_DIAGNOSTICS or worker_is_stopping():
        return
    pid = os.getpid()
    logger.info(
        "child %s: settings %s; database %s",
        pid,
        configuration.settings_module,
        configuration.engine,
    )
    result = probe_database(CHILD_PROBE_SECONDS)
    # Only log: an exception here is swallowed and SystemExit makes the pool respawn us.
    if result.ok:
        logger.info("child %s: database probe %s", pid, result.detail)
    else:
        logger.error("child %s: database probe failed: %s", pid, result.detail)


def guard_against_drift(task_id: str, task, **kwargs) -> None:
    """task_prerun: say loudly if a task sees other settings than the worker started with."""
    if _recorded_at_start is None:
        return
    changes = Configuration.current().changes_since(_recorded_at_start)
    if changes:
        logger.error(
            "configuration drift in task %s[%s] since the worker started: %s",
            task.name,
            task_id,
            "; ".join(changes),
        )


def connect_worker_signals() -> None:
    celeryd_after_setup.connect(check_worker_before_pool, dispatch_uid="diagnostics-worker")
    beat_init.connect(check_beat, dispatch_uid="diagnostics-beat")
    worker_process_init.connect(check_child, dispatch_uid="diagnostics-child")
    task_prerun.connect(guard_against_drift, dispatch_uid="diagnostics-drift")
