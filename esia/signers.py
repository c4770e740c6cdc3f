"""Signing `client_secret` for ESIA: pluggable, chosen by `settings.ESIA_SIGNER` (a dotted path).

- `OpenSSLGostSigner` — OpenSSL with Debian's GOST engine; key and certificate files from settings.
- `CryptoProSigner` — CryptoPro CSP's command line (`csptest`), the usual certified set-up.
- `DevelopmentSigner` — HMAC-SHA256 with a shared secret that only the local ESIA stand-in accepts.
  Production settings refuse to start with it.

A signer returns the signature bytes and the certificate hash; the backend base64url-encodes the
signature into `client_secret`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import shlex
import subprocess
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from esia import gost


class Signer:
    def sign(self, data: bytes) -> bytes:
        raise NotImplementedError

    def certificate_hash(self) -> str:
        raise NotImplementedError


def client_secret(signer: Signer, *parts: str) -> str:
    """Sign the concatenation of `parts` (UTF-8) and encode it as base64url (with padding, as ESIA's
    own samples do)."""
    return base64.urlsafe_b64encode(signer.sign("".join(parts).encode("utf-8"))).decode("ascii")


def get_signer() -> Signer:
    return import_string(settings.ESIA_SIGNER)()


def _configured_hash(certificate_path: str) -> str:
    if settings.ESIA_CLIENT_CERTIFICATE_HASH:
        return settings.ESIA_CLIENT_CERTIFICATE_HASH.upper()
    if not certificate_path:
        raise ImproperlyConfigured("Set ESIA_CERTIFICATE_PATH (or ESIA_CLIENT_CERTIFICATE_HASH) for the ESIA signer.")
    return gost.certificate_hash(certificate_path)


class OpenSSLGostSigner(Signer):
    """GOST R 34.10-2012 (256) through `openssl ... -engine gost`.

    `ESIA_SIGNATURE_FORMAT` "raw" (default) is the bare signature the v2/ac and v3/te endpoints
    check against the certificate named by `client_certificate_hash`; "cms" makes a detached
    PKCS#7 SignedData (DER, certificate included), which ESIA's older v1 endpoints expect.
    """

    def __init__(
        self,
        *,
        key_path: str | None = None,
        certificate_path: str | None = None,
        openssl: str | None = None,
        engine: str | None = None,
        signature_format: str | None = None,
    ) -> None:
        self.key_path = key_path or settings.ESIA_PRIVATE_KEY_PATH
        self.certificate_path = certificate_path or settings.ESIA_CERTIFICATE_PATH
        self.openssl = openssl or settings.ESIA_OPENSSL
        self.engine = engine or settings.ESIA_OPENSSL_ENGINE
        self.signature_format = signature_format or settings.ESIA_SIGNATURE_FORMAT
        if not self.key_path or not self.certificate_path:
            raise ImproperlyConfigured("Set ESIA_PRIVATE_KEY_PATH and ESIA_CERTIFICATE_PATH for OpenSSLGostSigner.")
        if self.signature_format not in {"raw", "cms"}:
            raise ImproperlyConfigured("ESIA_SIGNATURE_FORMAT is either 'raw' or 'cms'.")

    def sign(self, data: bytes) -> bytes:
        if self.signature_format == "cms":
            return gost.sign_cms(
                data,
                key_path=self.key_path,
                certificate_path=self.certificate_path,
                openssl=self.openssl,
                engine=self.engine,
            )
        return gost.sign_raw(data, key_path=self.key_path, openssl=self.openssl, engine=self.engine)

    def certificate_hash(self) -> str:
        return _configured_hash(self.certificate_path)


class CryptoProSigner(Signer):
    """CryptoPro CSP from the command line; the key stays in its container.

    `ESIA_CRYPTOPRO_COMMAND` is a command template with `{input}`, `{output}` and `{container}`
    placeholders, split like a shell line (no shell runs). The default calls
    `csptest -keys -sign GOST12_256`, which writes the raw signature little-endian: the bytes are
    reversed (`ESIA_CRYPTOPRO_REVERSE`) into the order ESIA and OpenSSL use.
    """

    def __init__(self, *, command: str | None = None, container: str | None = None, reverse: bool | None = None):
        self.command = command or settings.ESIA_CRYPTOPRO_COMMAND
        self.container = container if container is not None else settings.ESIA_CRYPTOPRO_CONTAINER
        self.reverse = settings.ESIA_CRYPTOPRO_REVERSE if reverse is None else reverse

    def argv(self, input_path: str, output_path: str) -> list[str]:
        values = {"input": input_path, "output": output_path, "container": self.container}
        return [part.format(**values) for part in shlex.split(self.command)]

    def sign(self, data: bytes) -> bytes:
        with tempfile.TemporaryDirectory(prefix="esia-cryptopro-") as tmp:
            source, target = Path(tmp, "data.bin"), Path(tmp, "signature.bin")
            source.write_bytes(data)
            argv = self.argv(str(source), str(target))
            try:
                result = subprocess.run(argv, capture_output=True, timeout=gost.TIMEOUT_SECONDS, check=False)
            except (FileNotFoundError, subprocess.TimeoutExpired) as error:
                raise gost.GostError(f"CryptoPro command failed: {error}") from error
            if result.returncode != 0 or not target.exists():
                raise gost.GostError(f"CryptoPro command failed: {result.stderr.decode(errors='replace').strip()}")
            signature = target.read_bytes()
        return signature[::-1] if self.reverse else signature

    def certificate_hash(self) -> str:
        return _configured_hash(settings.ESIA_CERTIFICATE_PATH)


class DevelopmentSigner(Signer):
    """HMAC-SHA256 with `ESIA_DEVELOPMENT_SECRET`: development and tests only, never real ESIA."""

    def __init__(self, secret: str | None = None) -> None:
        self.secret = (secret or settings.ESIA_DEVELOPMENT_SECRET).encode()
        if not self.secret:
            raise ImproperlyConfigured("Set ESIA_DEVELOPMENT_SECRET for DevelopmentSigner.")

    def sign(self, data: bytes) -> bytes:
        return hmac.new(self.secret, data, hashlib.sha256).digest()

    def verify(self, data: bytes, signature: bytes) -> bool:
        return hmac.compare_digest(self.sign(data), signature)

    def certificate_hash(self) -> str:
        # Stands in for the certificate's hash: fixed per secret, so the stand-in can compare it.
        return hashlib.sha256(b"esia-development-certificate:" + self.secret).hexdigest().upper()
