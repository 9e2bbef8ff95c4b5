"""Minimal settings for the bare page: no database, no sessions, one small template.

Served by the same gunicorn settings as the app (``benchmarks/side_by_side.py``), so the ratio
of the app's throughput to this page's is what the app's own work costs.

``BARE_DATABASE_URL`` (set by the benchmark) gives the second yardstick, ``/write/``, a
PostgreSQL database; the page itself never opens a connection.
"""

import os
from pathlib import Path

import environ

SECRET_KEY = "benchmark-only-bare-page"  # noqa: S105 - a throwaway key for a local page
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "benchmarks.bare.urls"
WSGI_APPLICATION = "benchmarks.bare.wsgi.application"
INSTALLED_APPS: list[str] = []
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
]
DATABASES: dict = {}
if os.environ.get("BARE_DATABASE_URL"):
    # Kept connections, as the app's (DATABASE_CONN_MAX_AGE defaults to 60 there).
    DATABASES["default"] = {
        **environ.Env.db_url_config(os.environ["BARE_DATABASE_URL"]),
        "CONN_MAX_AGE": 60,
    }
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [Path(__file__).resolve().parent / "templates"],
        "APP_DIRS": False,
    }
]
USE_I18N = False
USE_TZ = True
TIME_ZONE = "Europe/Stockholm"
LOGGING_CONFIG = None
