"""GOST R 34.10-2012 / 34.11-2012 through OpenSSL with Debian's GOST engine (`libengine-gost-openssl`).

Python has no maintained GOST *signature* library on PyPI, so signing and verifying call the
`openssl` command line with `-engine gost` (OpenSSL 3 still loads engines given by name; Debian
installs it as `/usr/lib/<arch>/engines-3/gost.so`). The Streebog *hash* needs no engine: it comes
from `gostcrypto` (pure Python), so `client_certificate_hash` works on CryptoPro hosts too.

Signatures are the engine's raw 64-byte form: s‖r, big-endian, which is what ESIA expects for
`client_secret` on the v2/v3 endpoints and what it puts in GOST-signed JWTs. CryptoPro's `csptest`
writes the same bytes in reverse order (see `CryptoProSigner`).
"""

from __future__ import annotations

import shutil
import ssl
import subprocess
import tempfile
from pathlib import Path

import gostcrypto

TIMEOUT_SECONDS = 20
ENGINE = "gost"


class GostError(RuntimeError):
    """OpenSSL could not sign or verify (missing engine, unreadable key, bad signature format)."""


def certificate_der(path: str | Path) -> bytes:
    """The DER bytes of a certificate kept as PEM or DER."""
    data = Path(path).read_bytes()
    if b"-----BEGIN CERTIFICATE-----" in data:
        return ssl.PEM_cert_to_DER_cert(data.decode("ascii"))
    return data


def streebog256_hex(data: bytes) -> str:
    return gostcrypto.gosthash.new("streebog256", data=data).hexdigest().upper()


def certificate_hash(path: str | Path) -> str:
    """`client_certificate_hash`: GOST R 34.11-2012 (256 bit) of the DER certificate, hex.

    ESIA picks the system's certificate by this value; hashing the PEM text instead of the DER bytes
    is a classic mistake that ESIA answers with ESIA-007053. Upper case, as CryptoPro's `cpverify`
    prints it.
    """
    return streebog256_hex(certificate_der(path))


def _run(argv: list[str], data: bytes) -> bytes:
    try:
        result = subprocess.run(argv, input=data, capture_output=True, timeout=TIMEOUT_SECONDS, check=False)
    except FileNotFoundError as error:
        raise GostError(f"{argv[0]} not found") from error
    except subprocess.TimeoutExpired as error:
        raise GostError(f"{argv[0]} did not finish in {TIMEOUT_SECONDS} s") from error
    if result.returncode != 0:
        # The engine prints «Engine "gost" set.» on stderr even on success; keep only the rest.
        detail = "\n".join(line for line in result.stderr.decode(errors="replace").splitlines() if "Engine" not in line)
        raise GostError(f"{' '.join(argv[:2])} failed: {detail.strip()}")
    return result.stdout


def engine_available(openssl: str = "openssl", engine: str = ENGINE) -> bool:
    """True when `openssl` runs and loads the GOST engine."""
    if shutil.which(openssl) is None:
        return False
    try:
        _run([openssl, "engine", "-t", engine], b"")
    except GostError:
        return False
    return True


def sign_raw(data: bytes, *, key_path: str, openssl: str = "openssl", engine: str = ENGINE) -> bytes:
    """A raw GOST R 34.10-2012 (256) signature over Streebog-256 of `data`."""
    return _run([openssl, "dgst", "-engine", engine, "-md_gost12_256", "-sign", key_path], data)


def sign_cms(
    data: bytes, *, key_path: str, certificate_path: str, openssl: str = "openssl", engine: str = ENGINE
) -> bytes:
    """A detached CMS (PKCS#7) SignedData in DER, the signer's certificate included."""
    return _run(
        [
            openssl,
            "cms",
            "-sign",
            "-engine",
            engine,
            "-binary",
            "-md",
            "md_gost12_256",
            "-signer",
            certificate_path,
            "-inkey",
            key_path,
            "-outform",
            "DER",
        ],
        data,
    )


def public_key_pem(certificate_path: str, *, openssl: str = "openssl", engine: str = ENGINE) -> bytes:
    inform = "PEM" if b"-----BEGIN" in Path(certificate_path).read_bytes() else "DER"
    return _run(
        [openssl, "x509", "-engine", engine, "-inform", inform, "-in", certificate_path, "-pubkey", "-noout"], b""
    )


def verify_raw(
    data: bytes, signature: bytes, *, certificate_path: str, openssl: str = "openssl", engine: str = ENGINE
) -> bool:
    """Check a raw GOST signature (as `sign_raw` makes it) with the certificate's public key."""
    with tempfile.TemporaryDirectory(prefix="esia-gost-") as tmp:
        key = Path(tmp, "public.pem")
        key.write_bytes(public_key_pem(certificate_path, openssl=openssl, engine=engine))
        sig = Path(tmp, "signature.bin")
        sig.write_bytes(signature)
        try:
            _run(
                [openssl, "dgst", "-engine", engine, "-md_gost12_256", "-verify", str(key), "-signature", str(sig)],
                data,
            )
        except GostError:
            return False
    return True


def verify_cms(
    data: bytes, signature: bytes, *, certificate_path: str, openssl: str = "openssl", engine: str = ENGINE
) -> bool:
    """Check a detached CMS signature, trusting `certificate_path` as its own root (self-signed)."""
    with tempfile.TemporaryDirectory(prefix="esia-gost-") as tmp:
        sig = Path(tmp, "signature.der")
        sig.write_bytes(signature)
        content = Path(tmp, "content.bin")
        content.write_bytes(data)
        try:
            _run(
                [
                    openssl,
                    "cms",
                    "-verify",
                    "-engine",
                    engine,
                    "-binary",
                    "-inform",
                    "DER",
                    "-in",
                    str(sig),
                    "-content",
                    str(content),
                    "-CAfile",
                    certificate_path,
                    "-purpose",
                    "any",
                    "-out",
                    str(Path(tmp, "out.bin")),
                ],
                b"",
            )
        except GostError:
            return False
    return True
