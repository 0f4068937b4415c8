from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """The example app: one model, and one task that writes it."""

    name = "reports"
