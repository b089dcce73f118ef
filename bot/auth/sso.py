"""AUTH_MODE=sso building blocks: delegated Graph tokens on behalf of the Teams user, and log redaction.

Plain Python (msal, requests). The Teams edge obtains the user's single sign-on token (`signin/tokenExchange`)
and hands it over through `sso_token_source`; nothing here knows about the Bot Framework.

How tokens are kept (MSAL Python's documented pattern for web apps and web APIs):
- one `msal.SerializableTokenCache` per user, stored under `tokens/<tenant>/<oid>` and written back only when
  MSAL changed it; MSAL's on-behalf-of call never reads the cache, so every call first tries
  `acquire_token_silent_with_error` (cached access token, else the refresh token), then on-behalf-of;
- a short-lived `ConfidentialClientApplication` around that cache for each call, never one shared app whose
  cache is swapped (calls run in worker threads: a shared app would mix users' tokens);
- with a multi-tenant authority (`/organizations`, `/common`) the call goes to the user's own tenant;
- OpenID discovery answers are cached here (`_DiscoveryCache`) instead of through MSAL's shared `http_cache`,
  which would also replay a failed token request (HTTP 400) for 60 s: right after the user consents, the same
  SSO token would still get the stale `consent_required`.
Only delegated tokens: this module never requests an application token.
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
import weakref
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import msal
import requests
from cachetools import TTLCache
from msal.exceptions import MsalServiceError

from bot.auth.scopes import graph_scopes
from bot.auth.tokens import SignInRequired, UserIdentity
from bot.executors import run_blocking

logger = logging.getLogger(__name__)

T = TypeVar("T")
SsoTokenSource = Callable[[UserIdentity], Awaitable[str | None]]

_MULTI_TENANT = frozenset({"common", "organizations"})
_SIGN_IN_ERRORS = frozenset({"invalid_grant", "interaction_required", "consent_required", "login_required"})
# AADSTS65001 consent missing, 65004 consent declined, 90094 administrator consent required.
_CONSENT_CODES = frozenset({65001, 65004, 90094})
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


class KeyValueStorage(Protocol):
    async def read(self, keys: Iterable[str]) -> dict[str, Any]: ...
    async def write(self, changes: Mapping[str, Any]) -> None: ...
    async def delete(self, keys: Iterable[str]) -> None: ...


class HttpClient(Protocol):
    """What MSAL's `http_client=` needs: responses with status_code, text, headers and raise_for_status()."""

    def get(self, url: str, params: Any = None, headers: Any = None, **kwargs: Any) -> Any: ...
    def post(self, url: str, params: Any = None, data: Any = None, headers: Any = None, **kwargs: Any) -> Any: ...


class SsoSignInRequired(SignInRequired):
    """No delegated token without the user: no SSO token yet, an expired one, MFA or consent needed.
    The edge answers a `signin/tokenExchange` with 412 (Teams then shows the sign-in or consent card)
    and sends the OAuth card otherwise. Carries codes only, never a token."""

    consent = False

    def __init__(self, scopes: tuple[str, ...], reason: str, correlation_id: str | None = None) -> None:
        super().__init__(scopes)
        self.reason = reason
        self.correlation_id = correlation_id
        self.args = (f"sign-in required ({reason})",)


class ConsentRequired(SsoSignInRequired):
    """Entra answered `consent_required` / AADSTS65001: the user or an administrator must consent."""

    consent = True


class TokenError(Exception):
    """Any other token failure. Carries only Entra's error code, AADSTS numbers and correlation id."""

    def __init__(self, code: str, correlation_id: str | None = None, aadsts: tuple[int, ...] = ()) -> None:
        self.code = code
        self.correlation_id = correlation_id
        self.aadsts = aadsts
        numbers = "".join(f" AADSTS{n}" for n in aadsts)
        where = f" (correlation id {correlation_id})" if correlation_id else ""
        super().__init__(f"token request failed: {code}{numbers}{where}")


def needs_consent(exc: BaseException) -> bool:
    return bool(getattr(exc, "consent", False))


def cache_key(user: UserIdentity) -> str:
    return f"tokens/{_checked_id(user.tenant_id)}/{_checked_id(user.aad_object_id)}"


def authority_for(authority: str, tenant_id: str) -> str:
    """`https://login.microsoftonline.com/organizations` -> the same host with the user's tenant."""
    base, _, tenant = authority.rstrip("/").rpartition("/")
    return f"{base}/{_checked_id(tenant_id)}" if tenant.lower() in _MULTI_TENANT else authority.rstrip("/")


class OboTokenProvider:
    """TokenProvider for AUTH_MODE=sso: silent from the user's MSAL cache, else on-behalf-of the SSO token."""

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        authority: str,
        storage: KeyValueStorage,
        sso_token_source: SsoTokenSource,
        http_client: HttpClient | None = None,
        instance_discovery: bool | None = None,
        timeout_seconds: float = 10.0,
    ) -> None:
        if not authority.startswith("https://"):
            raise ValueError("the authority must be an https URL")
        self._client_id = client_id
        self._secret = client_secret
        self._authority = authority
        self._storage = storage
        self._sso_token_source = sso_token_source
        self._http = _DiscoveryCache(http_client or _RequestsClient(timeout_seconds))
        self._instance_discovery = instance_discovery
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    async def get_token(self, user: UserIdentity, scopes: tuple[str, ...]) -> str:
        if not scopes:
            raise ValueError("no scopes requested")
        key = cache_key(user)
        async with self._lock_for(key):
            cache = await self._load(key)
            try:
                return await self._acquire(user, scopes, cache)
            finally:
                await self._save(key, cache)

    async def sign_out(self, user: UserIdentity) -> None:
        """Forgets the user's cached tokens. (Signing out of the Bot Framework token service is the edge's.)"""
        key = cache_key(user)
        async with self._lock_for(key):
            await self._storage.delete([key])

    def _lock_for(self, key: str) -> asyncio.Lock:
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        return lock

    async def _load(self, key: str) -> msal.SerializableTokenCache:
        cache = msal.SerializableTokenCache()
        state = (await self._storage.read([key])).get(key)
        if isinstance(state, dict) and isinstance(state.get("msal"), str):
            cache.deserialize(state["msal"])
        return cache

    async def _save(self, key: str, cache: msal.SerializableTokenCache) -> None:
        if cache.has_state_changed:
            await self._storage.write({key: {"msal": cache.serialize()}})

    async def _acquire(self, user: UserIdentity, scopes: tuple[str, ...], cache: Any) -> str:
        app = await _off_loop(self._build_app, user, cache)
        wanted = graph_scopes(scopes)
        silent = await _off_loop(_silent, app, wanted, user)
        if silent and "access_token" in silent:
            return str(silent["access_token"])
        assertion = await self._sso_token_source(user)
        if not assertion:
            raise _failure(scopes, silent) if silent else SsoSignInRequired(scopes, "no_sso_token")
        result = await _off_loop(app.acquire_token_on_behalf_of, assertion, wanted)
        if "access_token" in result:
            return str(result["access_token"])
        raise _failure(scopes, result)

    def _build_app(self, user: UserIdentity, cache: Any) -> msal.ConfidentialClientApplication:
        return msal.ConfidentialClientApplication(
            self._client_id,
            client_credential=self._secret,
            authority=authority_for(self._authority, user.tenant_id),
            token_cache=cache,
            http_client=self._http,
            instance_discovery=self._instance_discovery,
        )


def _silent(app: msal.ConfidentialClientApplication, scopes: list[str], user: UserIdentity) -> dict[str, Any] | None:
    """The cached token, a refreshed one, an error dict (refresh refused), or None (nothing cached)."""
    if not _has_entries(app.token_cache):
        return None
    account = _account_of(app.get_accounts(), user)
    return app.acquire_token_silent_with_error(scopes, account=account) if account else None


def _has_entries(cache: Any) -> bool:
    return any(cache.search(msal.TokenCache.CredentialType.REFRESH_TOKEN)) or any(
        cache.search(msal.TokenCache.CredentialType.ACCOUNT)
    )


def _account_of(accounts: list[dict[str, Any]], user: UserIdentity) -> dict[str, Any] | None:
    oid = user.aad_object_id.lower()
    for account in accounts:
        home = str(account.get("home_account_id") or "").lower()
        if str(account.get("local_account_id") or "").lower() == oid or home.startswith(f"{oid}."):
            return account
    # The cache is this user's alone (keyed by tenant and oid): a guest's home account id differs.
    return accounts[0] if len(accounts) == 1 else None


def _failure(scopes: tuple[str, ...], result: Mapping[str, Any]) -> Exception:
    code = _safe(result.get("error")) or "unknown_error"
    correlation_id = _safe(result.get("correlation_id"))
    numbers = tuple(n for n in result.get("error_codes") or () if isinstance(n, int))
    logger.info("token request refused: %s %s correlation id %s", code, _aadsts(numbers), correlation_id)
    if _is_consent(result, numbers):
        return ConsentRequired(scopes, "consent_required", correlation_id)
    if code in _SIGN_IN_ERRORS:
        return SsoSignInRequired(scopes, code, correlation_id)
    return TokenError(code, correlation_id, numbers)


def _aadsts(numbers: tuple[int, ...]) -> str:
    return " ".join(f"AADSTS{n}" for n in numbers) or "-"


def _is_consent(result: Mapping[str, Any], numbers: tuple[int, ...]) -> bool:
    if "consent_required" in (result.get("error"), result.get("suberror")):
        return True
    description = str(result.get("error_description") or "")
    return bool(_CONSENT_CODES.intersection(numbers)) or any(f"AADSTS{n}:" in description for n in _CONSENT_CODES)


async def _off_loop(fn: Callable[..., T], *args: Any) -> T:
    """MSAL is blocking: run it in a worker thread, and turn transport failures into a TokenError."""
    try:
        return await run_blocking("msal", fn, *args)
    except requests.RequestException as exc:
        logger.warning("token endpoint unreachable: %s", type(exc).__name__)
        raise TokenError("network_error") from None
    except MsalServiceError as exc:
        logger.warning("token endpoint failed: %s", redact(str(exc)))
        raise TokenError("service_error") from None
    except ValueError as exc:  # MSAL: authority discovery failed, or a malformed answer
        logger.warning("authority or token answer rejected: %s", redact(str(exc)))
        raise TokenError("authority_error") from None


def _checked_id(value: str) -> str:
    if not _SAFE_ID.match(value or ""):
        raise ValueError("tenant and object ids must be plain identifiers")
    return value.lower()


def _safe(value: Any) -> str | None:
    """An error code or correlation id as Entra sends them; anything else is dropped."""
    if not isinstance(value, str):
        return None
    cleaned = re.sub(r"[^A-Za-z0-9_.:-]", "", value)[:64]
    return cleaned or None


@dataclass(frozen=True)
class _Snapshot:
    status_code: int
    text: str
    headers: dict[str, str]

    def raise_for_status(self) -> None:
        if self.status_code >= 400:
            raise requests.HTTPError(f"HTTP {self.status_code}")


class _DiscoveryCache:
    """MSAL http_client wrapper: remembers successful GETs (OpenID and instance discovery) for a day, so a
    per-call application costs no network round trip. Token requests (POST) always go through."""

    def __init__(self, inner: HttpClient, ttl_seconds: float = 86400.0) -> None:
        self._inner = inner
        self._lock = threading.Lock()
        self._hits: TTLCache[str, _Snapshot] = TTLCache(maxsize=64, ttl=ttl_seconds)

    def get(self, url: str, params: Any = None, headers: Any = None, **kwargs: Any) -> Any:
        key = f"{url}?{sorted((params or {}).items())!r}"
        with self._lock:
            hit = self._hits.get(key)
        if hit is not None:
            return hit
        response = self._inner.get(url, params=params, headers=headers, **kwargs)
        if 200 <= response.status_code < 300:
            snapshot = _Snapshot(response.status_code, response.text, dict(response.headers or {}))
            with self._lock:
                self._hits[key] = snapshot
        return response

    def post(self, url: str, params: Any = None, data: Any = None, headers: Any = None, **kwargs: Any) -> Any:
        return self._inner.post(url, params=params, data=data, headers=headers, **kwargs)

    def close(self) -> None:
        close = getattr(self._inner, "close", None)
        if callable(close):
            close()


class _RequestsClient:
    """The default transport: a requests session with a timeout on every call (MSAL's own has none)."""

    def __init__(self, timeout_seconds: float) -> None:
        self._session = requests.Session()
        self._session.mount("https://", requests.adapters.HTTPAdapter(max_retries=1))
        self._timeout = timeout_seconds

    def get(self, url: str, params: Any = None, headers: Any = None, **kwargs: Any) -> Any:
        kwargs.setdefault("timeout", self._timeout)
        return self._session.get(url, params=params, headers=headers, **kwargs)

    def post(self, url: str, params: Any = None, data: Any = None, headers: Any = None, **kwargs: Any) -> Any:
        kwargs.setdefault("timeout", self._timeout)
        return self._session.post(url, params=params, data=data, headers=headers, **kwargs)

    def close(self) -> None:
        self._session.close()


# ---- log redaction -------------------------------------------------------------------------------------

_MASK = "[REDACTED]"
_SECRET_KEYS = "access_token|refresh_token|id_token|token|assertion|client_assertion|client_secret|secret|password"
_REDACTIONS: tuple[tuple[re.Pattern[str], str], ...] = (
    # An Authorization header, whatever its scheme, up to the end of its value.
    (re.compile(r"""(?i)(["']?\bauthorization["']?\s*[:=]\s*["']?)[^"'\r\n]+"""), rf"\1{_MASK}"),
    # Bearer/Basic credentials anywhere else.
    (re.compile(r"\b(Bearer|bearer|Basic)(\s+)[A-Za-z0-9._~+/=-]{16,}"), rf"\1\2{_MASK}"),
    # JWTs (also unsigned ones ending with a dot, and 5-part JWEs).
    (re.compile(r"\beyJ[A-Za-z0-9_-]{4,}(?:\.[A-Za-z0-9_-]*){1,4}"), _MASK),
    # key=value / "key": "value" pairs whose value is a secret (form bodies, JSON, dict reprs).
    (re.compile(rf"""(?i)(["']?\b(?:{_SECRET_KEYS})["']?\s*[:=]\s*["']?)[^"'&\s,}}]+"""), rf"\1{_MASK}"),
)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Masks tokens, Authorization values, secret-looking key/value pairs and the given literal secrets."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, _MASK)
    for pattern, replacement in _REDACTIONS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    """Redacts every record's message, arguments, traceback and stack. Attach it to HANDLERS: a filter on
    a logger only sees records logged through that very logger, not those propagated from child loggers."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets = tuple(s for s in secrets if s)

    def add_secret(self, secret: str) -> None:
        if secret:
            self._secrets = (*self._secrets, secret)

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(_message_of(record), self._secrets)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self._secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self._secrets)
        return True


def _message_of(record: logging.LogRecord) -> str:
    try:
        return record.getMessage()
    except Exception:  # a broken format string must still not leak its arguments
        return str(record.msg)


def install_redaction(secrets: Iterable[str] = (), logger_: logging.Logger | None = None) -> RedactingFilter:
    """Adds one RedactingFilter to the logger (root by default) and to each of its handlers.
    Handlers added later need `handler.addFilter(returned_filter)` too."""
    target = logger_ or logging.getLogger()
    redacting = RedactingFilter(secrets)
    target.addFilter(redacting)
    for handler in target.handlers:
        handler.addFilter(redacting)
    return redacting
