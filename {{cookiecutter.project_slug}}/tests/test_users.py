"""The project's own user model is the one Django, the admin and the first migration use."""

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.db.migrations.loader import MigrationLoader

from users.models import User

pytestmark = pytest.mark.django_db


def test_django_uses_the_project_user_model():
    assert get_user_model() is User
    # What makes swapping later painful: other tables point at the user model's table.
    assert LogEntry._meta.get_field("user").related_model is User


def test_the_user_model_comes_with_the_first_migration():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    initial = loader.get_migration("users", "0001_initial")
    assert initial.initial
    assert [operation.name for operation in initial.operations] == ["User"]


def test_a_superuser_can_manage_users_in_the_admin(client):
    admin = User.objects.create_superuser("admin", "admin@example.com", "a-long-passphrase")
    User.objects.create_user("someone", "someone@example.com", "another-passphrase")
    client.force_login(admin)

    listing = client.get("/admin/users/user/")
    assert listing.status_code == 200
    assert b"someone" in listing.content

    passphrase = "a-third-passphrase"
    form = {"username": "newcomer", "password1": passphrase, "password2": passphrase}
    added = client.post("/admin/users/user/add/", {**form, "usable_password": "true"})
    assert added.status_code == 302, added.content.decode()[-2000:]
    assert User.objects.get(username="newcomer").check_password(passphrase)
