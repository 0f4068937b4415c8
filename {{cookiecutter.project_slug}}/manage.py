#!/usr/bin/env python
"""Django's command-line utility. DJANGO_ENVIRONMENT chooses the settings (default: development)."""

import sys

from django.core.management import execute_from_command_line

from {{ cookiecutter.project_slug }}.environment import start

if __name__ == "__main__":
    start()
    execute_from_command_line(sys.argv)
