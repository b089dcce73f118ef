"""Where the bot gets the manager's delegated Graph token. The service layer only sees `TokenProvider`."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import jwt
from cachetools import TTLCache
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

from bot.auth.devkey import DEV_KEY_ID, DEV_TOKEN_AUDIENCE, dev_token_issuer

REUSE_MARGIN_SECONDS = 120  # a cached dev token is never handed out with less than this left


@dataclass(frozen=True)
class UserIdentity:
    """Who the token is for: the Teams user as the activity names them."""

    aad_object_id: str
    tenant_id: str
    name: str = ""


class SignInRequired(Exception):
    """No token can be had without the user signing in or consenting (sso mode)."""

    def __init__(self, scopes: tuple[str, ...]) -> None:
        super().__init__("sign-in required")
        self.scopes = scopes


class TokenProvider(Protocol):
    async def get_token(self, user: UserIdentity, scopes: tuple[str, ...]) -> str: ...


class DevTokenProvider:
    """AUTH_MODE=dev: mints a short-lived delegated token signed with the local development key.
    No network call; only the Graph sandbox trusts these tokens. A token is reused for the same user and
    scopes until shortly before it expires (an RS256 signature costs about a millisecond of CPU)."""

    def __init__(
        self,
        key: RSAPrivateKey,
        lifetime_seconds: int = 600,
        cache_size: int = 4096,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._key = key
        self._lifetime = lifetime_seconds
        self._cache: TTLCache[tuple[str, str, str, tuple[str, ...]], str] = TTLCache(
            maxsize=cache_size, ttl=max(lifetime_seconds - REUSE_MARGIN_SECONDS, 0), timer=clock
        )

    async def get_token(self, user: UserIdentity, scopes: tuple[str, ...]) -> str:
        key = (user.aad_object_id, user.tenant_id, user.name, scopes)
        token = self._cache.get(key)
        if token is None:
            token = self._cache[key] = self._mint(user, scopes)
        return token

    def _mint(self, user: UserIdentity, scopes: tuple[str, ...]) -> str:
        now = int(time.time())
        claims = {
            "aud": DEV_TOKEN_AUDIENCE,
            "iss": dev_token_issuer(user.tenant_id),
            "iat": now,
            "nbf": now,
            "exp": now + self._lifetime,
            "oid": user.aad_object_id,
            "tid": user.tenant_id,
            "name": user.name,
            "scp": " ".join(scopes),
            "uti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": DEV_KEY_ID})
