"""The local development signing key shared by the bot (which mints dev tokens) and the Graph sandbox
(which verifies them). Stands in for Entra ID's signing keys; never used with a real tenant."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey

DEV_KEY_ID = "manager-desk-dev"
DEV_TOKEN_AUDIENCE = "https://graph.microsoft.com"


def dev_token_issuer(tenant_id: str) -> str:
    return f"https://sts.windows.net/{tenant_id}/"


def load_or_create_dev_key(path: str | Path) -> RSAPrivateKey:
    """Loads the PEM key at `path`, creating it first if missing. Creation is atomic and never overwrites,
    so the bot and the sandbox may start in any order."""
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".devkey-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(pem)
            os.chmod(tmp, 0o600)
            try:
                os.link(tmp, path)  # fails if another process won the race: theirs is kept
            except FileExistsError:
                pass
        finally:
            os.unlink(tmp)
    loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(loaded, RSAPrivateKey):
        raise ValueError(f"{path} is not an RSA private key")
    return loaded


def public_key_of(key: RSAPrivateKey) -> RSAPublicKey:
    return key.public_key()
