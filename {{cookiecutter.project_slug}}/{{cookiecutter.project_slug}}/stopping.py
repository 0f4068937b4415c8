"""How the worker stops when SIGTERM reaches every one of its processes.

honcho (Ctrl-C), systemd's default KillMode=control-group, ``timeout`` and ``tini -g`` signal
the pool's children as well as the worker's main process. A broker without an event loop
(the development file broker) gets billiard's threaded pool: a thread forks a replacement
for each child that died, and Celery has every child SIGKILLed when the thread that forked
it ends (PR_SET_PDEATHSIG follows the thread), which that one does as the pool closes. A
replacement killed while waiting for work dies holding the lock of the queue the children
share, and the main process then waits for that lock forever on its way out.

So in such a worker the children ignore SIGTERM, as every Celery child ignores SIGINT: the
main process, which got the signal too, stops them once their tasks are done (a warm
shutdown). (There, ``revoke(terminate=True)`` needs ``signal="SIGKILL"``.) With an event
loop (Redis, RabbitMQ) the pool forks from the main thread and children keep Celery's own
handling; a task whose child dies is sent again (task_retry_on_worker_lost). Either way,
children forked while the worker stops skip the start-up database probe: they only wait to
be told to exit.
https://docs.celeryq.dev/en/stable/userguide/workers.html#stopping-the-worker
"""

import signal

from celery.signals import worker_init, worker_process_init, worker_shutting_down

# Set in the main process; children forked afterwards inherit them.
_children_ignore_sigterm = False
_worker_stopping = False


def worker_is_stopping() -> bool:
    return _worker_stopping


def _choose_for_children(sender, **kwargs) -> None:
    """worker_init, in the main process before the pool starts."""
    global _children_ignore_sigterm
    _children_ignore_sigterm = not sender.use_eventloop


def _set_child_signals(**kwargs) -> None:
    """worker_process_init, in each child."""
    if _children_ignore_sigterm:
        # billiard replaces the handlers of the terminating signals after this, but
        # leaves an ignored one ignored.
        signal.signal(signal.SIGTERM, signal.SIG_IGN)


def _note_stopping(**kwargs) -> None:
    """worker_shutting_down, in the main process's signal handler."""
    global _worker_stopping
    _worker_stopping = True


def connect_worker_signals() -> None:
    worker_init.connect(_choose_for_children, dispatch_uid="stopping-choose")
    worker_process_init.connect(_set_child_signals, dispatch_uid="stopping-child")
    worker_shutting_down.connect(_note_stopping, dispatch_uid="stopping-noted")
