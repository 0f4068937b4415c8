"""URL configuration. https://docs.djangoproject.com/en/{{ cookiecutter.django_version }}/topics/http/urls/"""

from django.contrib import admin
from django.urls import path

from . import health, views

urlpatterns = [
    path("", views.home, name="home"),
    path("admin/", admin.site.urls),
    path("health/", health.health, name="health"),
]
