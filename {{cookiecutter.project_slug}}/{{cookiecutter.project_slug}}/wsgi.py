"""WSGI entry point, e.g. ``gunicorn {{ cookiecutter.project_slug }}.wsgi``.

https://docs.djangoproject.com/en/{{ cookiecutter.django_version }}/howto/deployment/wsgi/
"""

from django.core.wsgi import get_wsgi_application

from .environment import start

start()

application = get_wsgi_application()
