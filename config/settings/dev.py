"""Development: debug on, permissive hosts, a throwaway secret. Never used in production.

With DATABASE_URL / REDIS_URL unset, the embedded PostgreSQL and Redis from pip wheels are started
(or reused) and used; they keep running for the next command (`python -m devstack stop`).
"""

from devstack.services import ensure_environment

ensure_environment()

from .base import *  # noqa: E402, F403
from .base import env  # noqa: E402

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-do-not-use-in-production")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
WHITENOISE_USE_FINDERS = True
