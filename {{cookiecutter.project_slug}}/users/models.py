"""The user model: Django's, as a model of this project's own.

Swapping AUTH_USER_MODEL after the first migration means rewriting the tables that point
at users, so it is swapped from the start; add fields here when the project needs them.
https://docs.djangoproject.com/en/{{ cookiecutter.django_version }}/topics/auth/customizing/#using-a-custom-user-model-when-starting-a-project
"""

from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    pass
