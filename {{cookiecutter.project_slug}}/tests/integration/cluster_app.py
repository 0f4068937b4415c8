"""The project's Celery app as the multi-node tests run it, with their broker options.

``CLUSTER_TRANSPORT_OPTIONS`` (JSON) is merged into the broker transport options: the tests
give Redis a short visibility timeout, so a dead node's tasks come back in seconds rather
than the minutes production waits (the README explains the trade-off), and keys of their
own for unacknowledged messages, so they never restore another run's. Everything else is
the production settings, loaded the way every entry point loads them.
"""

import json
import os

from {{ cookiecutter.project_slug }}.celery import app

app.conf.broker_transport_options = {
    **app.conf.broker_transport_options,
    **json.loads(os.environ.get("CLUSTER_TRANSPORT_OPTIONS", "{}")),
}
