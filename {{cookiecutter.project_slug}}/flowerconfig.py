"""Flower's configuration file: Flower runs it from the directory it starts in.

`celery -A {{ cookiecutter.project_slug }} flower`, started here (the Procfile, compose), runs
this after reading its FLOWER_* variables and command line, and before the command line
applies again. It sets where Flower listens (127.0.0.1 unless told otherwise) and stops
Flower with one line when it would run without basic auth outside development.
{{ cookiecutter.project_slug }}/flower_access.py holds the rules.
"""

import os
import sys

from tornado.options import options

from {{ cookiecutter.project_slug }}.environment import EXIT_CONFIGURATION
from {{ cookiecutter.project_slug }}.flower_access import FlowerAccessError, allowed_address

try:
    # Flower takes every module-level name that is one of its options, as here `address`.
    address = allowed_address(os.environ, options.basic_auth, options.address)
except FlowerAccessError as error:
    sys.stderr.write(f"{{ cookiecutter.project_slug }} cannot start Flower: {error}\n")
    sys.exit(EXIT_CONFIGURATION)
