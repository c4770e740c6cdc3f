"""Tests: the development settings with a fast password hasher; still a real PostgreSQL and Redis."""

from .dev import *  # noqa: F403
from .dev import env

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

# Separate names let several test runs share one PostgreSQL server without clashing.
DATABASES["default"]["TEST"] = {"NAME": env.str("TEST_DATABASE_NAME", default="test_navigator")}  # noqa: F405

# No search index unless a test builds one in its own directory (tests/search/test_engine.py), which
# it hands to its Celery worker through TEST_SEARCH_INDEX_DIR: the catalog searches in PostgreSQL.
SEARCH_INDEX_DIR = env.str("TEST_SEARCH_INDEX_DIR", default="")

# Each test process has its own cache, emptied before every test (tests/conftest.py).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# django-axes refuses authenticate() calls without a request, which Django's test Client.login()
# makes; the lockout tests switch it on for themselves (tests/esia/test_password_login.py).
AXES_ENABLED = False

# The outbox sends in the test's own thread, so that on-commit callbacks can be checked at once.
OUTBOX_DISPATCH_IN_BACKGROUND = False

# Tests load no map tiles whatever the environment says: the maps show markers on a blank background.
MAP_TILE_URL = ""
GEOCODER_URL = ""
