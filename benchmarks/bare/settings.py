"""Minimal settings for the bare page: no database, no sessions, one small template.

Served by the same gunicorn settings as the app (``benchmarks/side_by_side.py``), so the ratio
of the app's throughput to this page's is what the app's own work costs.
"""

from pathlib import Path

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
