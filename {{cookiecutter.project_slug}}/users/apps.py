from django.apps import AppConfig


class UsersConfig(AppConfig):
    """The project's own user model, in place from the first migration."""

    name = "users"
