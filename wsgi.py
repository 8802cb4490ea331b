"""WSGI entry point (gunicorn wsgi:app) and the app `flask` finds in this directory."""

import sys

from config import ConfigurationError
from plateforme import create_app

try:
    app = create_app()
except ConfigurationError as error:
    sys.exit(f"taxesejour : {error}")
