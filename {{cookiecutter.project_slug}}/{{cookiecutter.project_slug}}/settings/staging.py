"""Staging: production's settings and checks, pointed at staging services.

Keep the differences few and listed here: what passes in staging should pass in production.
"""

from .production import *  # noqa: F403

# Browsers remember HSTS; a short max-age keeps a staging hostname mistake cheap to undo.
SECURE_HSTS_SECONDS = 60 * 60
