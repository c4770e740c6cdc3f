"""Settings for the catalog benchmark: the development stack with production-like request handling.

DEBUG is off (no query log, no debug pages), the database is the full-scale `bench_catalog` on the
same server as DATABASE_URL, and the URLs add a bare constant page to compare the catalog with.
"""

import warnings

from config.settings.dev import *  # noqa: F403
from config.settings.dev import CACHES, DATABASES, env

DEBUG = False
DATABASES["default"]["NAME"] = env.str("BENCH_DATABASE_NAME", default="bench_catalog")
ROOT_URLCONF = "bench.urls"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
# The page cache (core.cache) keys on the URL only: a prefix of its own per benchmark run keeps pages
# of the development database (or of an earlier run, up to 30 s old) from being served as hits.
CACHES["default"]["KEY_PREFIX"] = env.str("BENCH_CACHE_PREFIX", default="navigator-bench")
# Request logging would measure the console; warnings and errors still show.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
# Static files found once at start, as in production, rather than looked up on every request.
WHITENOISE_AUTOREFRESH = False
# No collectstatic in development; WhiteNoise serves from the finders (dev settings) and says so.
warnings.filterwarnings("ignore", message="No directory at")
# The benchmark database's own search index (search.engine), beside the development one; an empty
# BENCH_SEARCH_INDEX_DIR measures the PostgreSQL search alone.
SEARCH_INDEX_DIR = env.str("BENCH_SEARCH_INDEX_DIR", default=str(BASE_DIR / ".local" / "bench-search-index"))  # noqa: F405
