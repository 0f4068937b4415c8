"""ASGI entry point, e.g. ``uvicorn {{ cookiecutter.project_slug }}.asgi:application``.

https://docs.djangoproject.com/en/{{ cookiecutter.django_version }}/howto/deployment/asgi/
"""

from django.core.asgi import get_asgi_application

from .environment import start

start()

application = get_asgi_application()
