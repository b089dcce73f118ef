"""Secrets at rest: SSO tokens, MSAL token caches (refresh tokens included) and pending sign-ins are stored
encrypted with Fernet (AES-128-CBC + HMAC-SHA256, from `cryptography`).

STATE_ENCRYPTION_KEY holds one or more Fernet keys, comma-separated: the first encrypts, every one decrypts
(MultiFernet), so a key is rotated by putting the new one first and dropping the old one once every record
has been rewritten. Required outside dev mode; in dev mode a key is made once and kept beside the dev signing
key. A value that no key can open is taken as absent (the user signs in again), and never logged."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from bot.settings import ConfigError, Settings
from bot.storage import dump

log = logging.getLogger("managerdesk.sealed")

SEALED = "sealed"  # the one field of a stored sealed record


def load_keys(settings: Settings) -> list[str]:
    keys = [key.strip() for key in settings.state_encryption_key.split(",") if key.strip()]
    if not keys and settings.auth_mode != "dev":
        raise ConfigError("STATE_ENCRYPTION_KEY", "required outside dev mode (a Fernet key: see docs/decisions.md)")
    if not keys:
        keys = [_dev_key(Path(settings.dev_signing_key).with_name("dev-state-encryption.key"))]
    for key in keys:
        try:
            Fernet(key)
        except ValueError:
            raise ConfigError(
                "STATE_ENCRYPTION_KEY", "each key must be a Fernet key (32 url-safe base64 bytes)"
            ) from None
    return keys


def _dev_key(path: Path) -> str:
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key().decode()
    path.write_text(key)
    path.chmod(0o600)
    return key


class SealedStorage:
    """The Storage shape (read/write/delete), every value encrypted on the way in and out."""

    def __init__(self, inner: Any, keys: list[str]) -> None:
        self._inner = inner
        self._box = MultiFernet([Fernet(key) for key in keys])

    async def read(self, keys: Iterable[str]) -> dict[str, Any]:
        found = await self._inner.read(list(keys))
        opened = {key: self._open(key, value) for key, value in found.items()}
        return {key: value for key, value in opened.items() if value is not None}

    async def write(self, changes: Mapping[str, Any]) -> None:
        await self._inner.write(
            {key: {SEALED: self._box.encrypt(dump(value).encode()).decode()} for key, value in changes.items()}
        )

    async def delete(self, keys: Iterable[str]) -> None:
        await self._inner.delete(list(keys))

    def _open(self, key: str, value: Any) -> Any:
        token = value.get(SEALED) if isinstance(value, dict) else None
        if not isinstance(token, str):
            log.warning("unsealed record ignored key-kind=%s", key.split("/", 1)[0])  # written before encryption
            return None
        try:
            return json.loads(self._box.decrypt(token.encode()))
        except (InvalidToken, ValueError):
            log.warning("record no key can open ignored key-kind=%s", key.split("/", 1)[0])
            return None
