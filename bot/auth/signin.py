"""AUTH_MODE=sso state kept between turns, as plain Python (the Teams edge does the Bot Framework part).

- `SsoTokenStore`: the user's latest Teams single sign-on token, the assertion for MSAL's on-behalf-of call
  (`OboTokenProvider(sso_token_source=...)`). Teams hands it over in `signin/tokenExchange` or in an
  `adaptiveCard/action` re-sent with `authentication`; the token service hands one over after a sign-in with a
  magic code. Kept per user with its expiry; a token whose `oid`/`tid` are not the user's is refused.
- `PendingStore`: the command or card action that needed a sign-in, so that it resumes after sign-in
  without the manager typing it again. One per user, for the conversation it came from, for 15 minutes.
- `ExchangeLedger`: the token exchange ids already handled. Teams sends the same `signin/tokenExchange`
  (same `value.id`) from every client the user has open; only the first one is processed.
- `SignInState.lock(user)`: one sign-in step at a time per user (in this process).

Tokens are stored like MSAL's cache (bot/auth/sso.py): in the bot's storage, never logged.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
import weakref
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import jwt

from bot import i18n
from bot.auth.sso import KeyValueStorage
from bot.auth.tokens import UserIdentity

log = logging.getLogger("managerdesk.signin")

PENDING_TTL_SECONDS = 15 * 60
EXPIRY_SKEW_SECONDS = 60
MAX_EXCHANGE_IDS = 20
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_CODE = re.compile(r"[^A-Za-z0-9_.:-]")

i18n.register(
    en={
        "signin.card_text": "Sign in so that Manager Desk can work in Microsoft 365 on your behalf.",
        "signin.button": "Sign in",
        "signin.done": "You're signed in.",
        "signin.code_failed": "That sign-in didn't go through. Type your command again to get a new sign-in card.",
        "signin.failed": "Sign-in didn't complete ({code}). Type your command again. If it keeps failing, ask "
        "your Teams admin to check Manager Desk's single sign-on setup.",
        "signin.consent_missing": "Microsoft 365 hasn't granted Manager Desk the permissions it needs ({scopes}). "
        "Ask your Microsoft 365 administrator to grant consent to Manager Desk, then try again.",
        "signin.unavailable": "Sign-in isn't available right now. Nothing was changed; please try again later.",
        "signin.no_identity": "I can't tell who you are in Microsoft 365 here. Open a personal chat with "
        "Manager Desk and try again.",
        "signout.done": "You're signed out of Manager Desk. It will ask you to sign in the next time it needs "
        "Microsoft 365.",
        "signout.dev": "There's nothing to sign out of: Manager Desk runs in development mode here.",
    },
    fr={
        "signin.card_text": "Connectez-vous pour que Manager Desk puisse agir pour vous dans Microsoft 365.",
        "signin.button": "Se connecter",
        "signin.done": "Vous êtes connecté.",
        "signin.code_failed": "Cette connexion n'a pas abouti. Retapez votre commande pour obtenir une nouvelle "
        "carte de connexion.",
        "signin.failed": "La connexion n'a pas abouti ({code}). Retapez votre commande. Si l'échec se répète, "
        "demandez à votre administrateur Teams de vérifier la configuration de l'authentification unique de "
        "Manager Desk.",
        "signin.consent_missing": "Microsoft 365 n'a pas accordé à Manager Desk les autorisations nécessaires "
        "({scopes}). Demandez à votre administrateur Microsoft 365 de donner son consentement à Manager Desk, "
        "puis réessayez.",
        "signin.unavailable": "La connexion n'est pas disponible pour le moment. Rien n'a été modifié ; "
        "veuillez réessayer plus tard.",
        "signin.no_identity": "Je ne sais pas qui vous êtes dans Microsoft 365 ici. Ouvrez une conversation "
        "personnelle avec Manager Desk et réessayez.",
        "signout.done": "Vous êtes déconnecté de Manager Desk. Il vous demandera de vous connecter la prochaine "
        "fois qu'il aura besoin de Microsoft 365.",
        "signout.dev": "Il n'y a rien à déconnecter : Manager Desk fonctionne ici en mode développement.",
    },
)


def user_key(prefix: str, user: UserIdentity) -> str:
    """`prefix/<tenant>/<oid>`; ValueError when the activity carries no usable ids."""
    for value in (user.tenant_id, user.aad_object_id):
        if not _SAFE_ID.match(value or ""):
            raise ValueError("tenant and object ids must be plain identifiers")
    return f"{prefix}/{user.tenant_id.lower()}/{user.aad_object_id.lower()}"


def has_identity(user: UserIdentity) -> bool:
    try:
        user_key("x", user)
    except ValueError:
        return False
    return True


def safe_code(value: Any, limit: int = 64) -> str:
    """An error code as a client sent it, fit for a log line or a message: nothing else survives."""
    return _CODE.sub("", str(value or ""))[:limit] or "unknown"


def unverified_claims(token: str) -> dict[str, Any] | None:
    """The claims of a JWT, signature NOT checked: only to match it to a user and to read its expiry.
    (The token service and Entra check the signature when it is exchanged.)"""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None
    return claims if isinstance(claims, dict) else None


class SsoTokenStore:
    """The user's current SSO token, under `sso/<tenant>/<oid>` with its expiry."""

    def __init__(self, storage: KeyValueStorage, clock: Callable[[], float] = time.time) -> None:
        self._storage = storage
        self._clock = clock

    def acceptable(self, user: UserIdentity, token: str) -> bool:
        """A JWT issued for this very user (oid, tid) that has not expired."""
        return self._expiry(user, token) is not None

    async def save(self, user: UserIdentity, token: str) -> bool:
        """Keeps the token if it is acceptable; says whether it was kept."""
        expires_at = self._expiry(user, token)
        if expires_at is None:
            return False
        await self._storage.write({user_key("sso", user): {"token": token, "expires_at": expires_at}})
        return True

    def _expiry(self, user: UserIdentity, token: str) -> float | None:
        claims = unverified_claims(token or "")
        if claims is None:
            log.info("sso token refused: not a JWT")
            return None
        if str(claims.get("oid", "")).lower() != user.aad_object_id.lower() or (
            str(claims.get("tid", "")).lower() != user.tenant_id.lower()
        ):
            log.warning("sso token refused: issued for another user or tenant")
            return None
        expires_at = _number(claims.get("exp"))
        if expires_at is None or expires_at - EXPIRY_SKEW_SECONDS <= self._clock():
            log.info("sso token refused: expired or without expiry")
            return None
        return expires_at

    async def get(self, user: UserIdentity) -> str | None:
        key = user_key("sso", user)
        record = (await self._storage.read([key])).get(key)
        if not isinstance(record, dict) or not isinstance(record.get("token"), str):
            return None
        expires_at = _number(record.get("expires_at"))
        if expires_at is None or expires_at - EXPIRY_SKEW_SECONDS <= self._clock():
            await self._storage.delete([key])
            return None
        return str(record["token"])

    async def delete(self, user: UserIdentity) -> None:
        await self._storage.delete([user_key("sso", user)])


@dataclass
class PendingAction:
    """What the user asked for when a sign-in got in the way."""

    kind: Literal["text", "action"]
    conversation_id: str
    scopes: tuple[str, ...]
    text: str = ""
    mentions: list[tuple[str, str]] = field(default_factory=list)  # (name, Teams user id) @mentioned in `text`
    verb: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    card_activity_id: str | None = None
    created_at: float = 0.0
    reference: dict[str, Any] | None = None  # bot.outbound.ConversationRef: where the resumed command answers


class PendingStore:
    """One pending action per user, under `signin/pending/<tenant>/<oid>`."""

    def __init__(
        self,
        storage: KeyValueStorage,
        clock: Callable[[], float] = time.time,
        ttl_seconds: float = PENDING_TTL_SECONDS,
    ) -> None:
        self._storage = storage
        self._clock = clock
        self._ttl = ttl_seconds

    async def put(self, user: UserIdentity, pending: PendingAction) -> None:
        pending.created_at = self._clock()
        record = asdict(pending)
        record["scopes"] = list(pending.scopes)
        record["mentions"] = [list(m) for m in pending.mentions]
        await self._storage.write({user_key("signin/pending", user): record})

    async def peek(self, user: UserIdentity) -> PendingAction | None:
        key = user_key("signin/pending", user)
        record = (await self._storage.read([key])).get(key)
        pending = _pending_of(record)
        if pending is None or pending.created_at + self._ttl <= self._clock():
            return None
        return pending

    async def take(self, user: UserIdentity, conversation_id: str) -> PendingAction | None:
        """The pending action if it is fresh and from this conversation; it is forgotten either way."""
        pending = await self.peek(user)
        await self.clear(user)
        if pending is None:
            return None
        if pending.conversation_id != conversation_id:
            log.info("pending action dropped: signed in from another conversation")
            return None
        return pending

    async def clear(self, user: UserIdentity) -> None:
        await self._storage.delete([user_key("signin/pending", user)])


class ExchangeLedger:
    """The last token exchange ids handled for a user, under `signin/exchanges/<tenant>/<oid>`."""

    def __init__(self, storage: KeyValueStorage) -> None:
        self._storage = storage

    async def seen(self, user: UserIdentity, exchange_id: str) -> bool:
        return bool(exchange_id) and exchange_id in await self._ids(user)

    async def record(self, user: UserIdentity, exchange_id: str) -> None:
        if not exchange_id:
            return
        ids = [i for i in await self._ids(user) if i != exchange_id]
        ids.append(exchange_id)
        await self._storage.write({user_key("signin/exchanges", user): {"ids": ids[-MAX_EXCHANGE_IDS:]}})

    async def clear(self, user: UserIdentity) -> None:
        await self._storage.delete([user_key("signin/exchanges", user)])

    async def _ids(self, user: UserIdentity) -> list[str]:
        key = user_key("signin/exchanges", user)
        record = (await self._storage.read([key])).get(key)
        ids = record.get("ids") if isinstance(record, dict) else None
        return [str(i) for i in ids] if isinstance(ids, list) else []


class SignInState:
    """Everything the edge keeps about sign-ins, over one storage."""

    def __init__(self, storage: KeyValueStorage, clock: Callable[[], float] = time.time) -> None:
        self.tokens = SsoTokenStore(storage, clock)
        self.pending = PendingStore(storage, clock)
        self.exchanges = ExchangeLedger(storage)
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    def lock(self, user: UserIdentity) -> asyncio.Lock:
        key = user_key("signin", user)
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        return lock

    async def forget(self, user: UserIdentity) -> None:
        """Sign-out: the SSO token, any pending action and the exchange ids."""
        await self.tokens.delete(user)
        await self.pending.clear(user)
        await self.exchanges.clear(user)


def _pending_of(record: Any) -> PendingAction | None:
    if not isinstance(record, dict) or record.get("kind") not in ("text", "action"):
        return None
    try:
        return PendingAction(
            kind=record["kind"],
            conversation_id=str(record.get("conversation_id") or ""),
            scopes=tuple(str(s) for s in record.get("scopes") or ()),
            text=str(record.get("text") or ""),
            mentions=[(str(m[0]), str(m[1])) for m in record.get("mentions") or () if len(m) == 2],
            verb=str(record["verb"]) if record.get("verb") else None,
            data=dict(record.get("data") or {}),
            card_activity_id=str(record["card_activity_id"]) if record.get("card_activity_id") else None,
            created_at=float(record.get("created_at") or 0.0),
            reference=dict(record["reference"]) if isinstance(record.get("reference"), dict) else None,
        )
    except (TypeError, ValueError):
        return None


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
