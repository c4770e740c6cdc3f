"""Production: every secret and address comes from the environment, with no default.

A missing SECRET_KEY, DATABASE_URL or REDIS_URL stops start-up with ImproperlyConfigured naming the
variable (django-environ's message: "Set the SECRET_KEY environment variable").
"""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = env.str("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^healthz/ready$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Gosuslugi: production signs with GOST (OpenSSL or CryptoPro) and talks to the real ESIA. The
# development signer and the local stand-in would let anyone sign in as anyone.
if ESIA_SIGNER == "esia.signers.DevelopmentSigner":  # noqa: F405
    raise ImproperlyConfigured(
        "ESIA_SIGNER=esia.signers.DevelopmentSigner is for development and tests only; in production use "
        "esia.signers.OpenSSLGostSigner or esia.signers.CryptoProSigner."
    )
if not ESIA_TOKEN_CERTIFICATE_PATH:  # noqa: F405
    # Without ESIA's certificate the id_token's signature goes unchecked: anyone able to answer the
    # token request could sign in as anyone.
    raise ImproperlyConfigured(
        "Set the ESIA_TOKEN_CERTIFICATE_PATH environment variable: the PEM certificate ESIA signs its tokens with."
    )
if env.bool("ESIA_STANDIN_ENABLED", default=False):
    raise ImproperlyConfigured(
        "ESIA_STANDIN_ENABLED: the local Gosuslugi stand-in is for development and tests only; "
        "production signs in through ESIA (ESIA_HOST)."
    )
