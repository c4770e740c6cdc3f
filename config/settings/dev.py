"""Development: debug on unless DEBUG says otherwise (./run turns it off), permissive hosts, a throwaway
secret. Never used in production.

Importing settings starts nothing: DATABASE_URL and REDIS_URL must be set. The entry points set them
when they are unset, by starting (or reusing) the embedded PostgreSQL and Redis from pip wheels:
`manage.py`, `python -m devstack run|test` (`./run`, `./test`, whose gunicorn and Celery inherit them)
and pytest (devstack/pytest_plugin.py). The servers keep running for the next command
(`python -m devstack stop`).
"""

from pathlib import Path

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-do-not-use-in-production")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
# No collectstatic in development: WhiteNoise serves the files where the finders find them, with
# DEBUG off as well (./run), and looks again on each request so that an edited file shows at once.
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# The demo region (`manage.py demo_region`, run by ./run on first start): made-up families and
# certificates, so development only; production settings never list it.
INSTALLED_APPS = [*INSTALLED_APPS, "demo"]  # noqa: F405

# The mail the portal sent, as the local SMTP sink stores it (devstack/mailsink.py, started by ./run,
# which points EMAIL_URL at it), shown to anyone at /dev/mail/: development only.
INSTALLED_APPS = [*INSTALLED_APPS, "devmail"]
DEVMAIL_FOLDER = Path(env.str("DEVMAIL_FOLDER", default=str(BASE_DIR / ".local" / "mail")))  # noqa: F405

# The catalog's search index under .local/ (./run builds it at start, after the demo region).
SEARCH_INDEX_DIR = env.str("SEARCH_INDEX_DIR", default=str(BASE_DIR / ".local" / "search-index"))  # noqa: F405

# --- Gosuslugi: the local ESIA stand-in (esia_standin/) instead of ESIA -------------------------
# "Войти через Госуслуги" goes through a real redirect to the stand-in's person picker and back;
# the backend really calls the stand-in's token and REST endpoints over HTTP.
ESIA_STANDIN_ENABLED = env.bool("ESIA_STANDIN_ENABLED", default=True)
if ESIA_STANDIN_ENABLED:
    INSTALLED_APPS = [*INSTALLED_APPS, "esia_standin"]
    # Empty: the stand-in on this very portal, at whatever address the browser used.
    ESIA_HOST = env.str("ESIA_HOST", default="")
    ESIA_ISSUER = ESIA_STANDIN_ISSUER = "http://esia-standin.localhost/"
    ESIA_CLIENT_ID = env.str("ESIA_CLIENT_ID", default="NAVIGATOR-DEV")
    ESIA_SIGNER = env.str("ESIA_SIGNER", default="esia.signers.DevelopmentSigner")
    ESIA_DEVELOPMENT_SECRET = (
        "dev-only-esia-client-secret-key-not-for-production"  # the stand-in checks client_secret with it
    )
    ESIA_TOKEN_HMAC_KEY = "dev-only-esia-standin-token-key-not-for-production"  # the stand-in signs its JWTs with it
