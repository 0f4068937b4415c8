"""The front page: where the next-steps message sends a newcomer, so it is not a 404."""

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.http import require_safe

SERVICE_NAME = "{{ cookiecutter.project_name }}"
PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{name}</title></head>
<body>
<h1>{name}</h1>
<p>The service is running. <a href="{admin}">Admin</a> &middot; <a href="{health}">Health</a></p>
</body>
</html>
"""


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    links = {"admin": reverse("admin:index"), "health": reverse("health")}
    return HttpResponse(format_html(PAGE, name=SERVICE_NAME, **links))
