"""The example app's task writes its model (eagerly here; tests/integration uses a worker)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from reports.models import Report
from reports.tasks import create_report, prune_reports

pytestmark = pytest.mark.django_db


def test_task_writes_a_report():
    report_id = create_report.delay("quarterly").get()
    report = Report.objects.get(pk=report_id)
    assert report.name == "quarterly"
    assert report.written_by_engine == "sqlite"
    assert report.written_by_settings.endswith(".settings.testing")


def test_a_repeated_delivery_writes_one_row():
    first = create_report.apply(args=["weekly"], task_id="same-delivery").get()
    second = create_report.apply(args=["weekly"], task_id="same-delivery").get()
    assert first == second
    assert Report.objects.filter(task_id="same-delivery").count() == 1


def test_report_reads_as_its_name():
    assert str(Report(name="monthly")) == "monthly"


def test_prune_deletes_only_old_reports():
    old = Report.objects.create(name="old", task_id="old", written_by_engine="x")
    Report.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=31))
    Report.objects.create(name="new", task_id="new", written_by_engine="x")
    assert prune_reports.delay(older_than_days=30).get() == 1
    assert list(Report.objects.values_list("name", flat=True)) == ["new"]
