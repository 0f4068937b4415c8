"""URL configuration. https://docs.djangoproject.com/en/{{ cookiecutter.django_version }}/topics/http/urls/"""

from django.contrib import admin
from django.urls import path

urlpatterns = [
    path("admin/", admin.site.urls),
]
