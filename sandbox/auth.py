"""Bearer token checks: the sandbox trusts only tokens signed with the local dev key (bot.auth.devkey)."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from bot.auth.devkey import DEV_KEY_ID, DEV_TOKEN_AUDIENCE, dev_token_issuer
from sandbox.errors import GraphError
from sandbox.state import PUBLIC_KEY, STORE

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# The WWW-Authenticate challenge Graph sends with its 401s.
_CHALLENGE = (
    'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", '
    'client_id="00000003-0000-0000-c000-000000000000"'
)


@dataclass(frozen=True)
class Caller:
    oid: str
    tenant_id: str
    scopes: frozenset[str]


CALLER = web.RequestKey("caller", Caller)


def unauthorized(message: str) -> GraphError:
    return GraphError(401, "InvalidAuthenticationToken", message, headers={"WWW-Authenticate": _CHALLENGE})


def bearer_token(header: str | None) -> str:
    scheme, _, token = (header or "").partition(" ")
    if not header:
        raise unauthorized("Access token is empty.")
    if scheme.lower() != "bearer" or not token.strip():
        raise unauthorized("Access token validation failure. Invalid authorization header.")
    return token.strip()


def verify_token(token: str, public_key: RSAPublicKey, tenant_id: str) -> Caller:
    """Checks signature (RS256, dev key), kid, audience, lifetime, issuer and tenant."""
    try:
        if jwt.get_unverified_header(token).get("kid") != DEV_KEY_ID:
            raise unauthorized("Access token validation failure. Unknown signing key.")
        claims = jwt.decode(
            token,
            public_key,
            algorithms=["RS256"],
            audience=DEV_TOKEN_AUDIENCE,
            options={"require": ["exp", "aud", "iss", "oid", "tid"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise unauthorized("Lifetime validation failed, the token is expired.") from exc
    except jwt.InvalidAudienceError as exc:
        raise unauthorized("Access token validation failure. Invalid audience.") from exc
    except jwt.PyJWTError as exc:
        raise unauthorized(f"Access token validation failure. {exc}") from exc
    if claims["tid"] != tenant_id or claims["iss"] != dev_token_issuer(tenant_id):
        raise unauthorized("Access token validation failure. Invalid issuer or tenant.")
    return Caller(oid=str(claims["oid"]).lower(), tenant_id=claims["tid"], scopes=_scopes(claims))


def _scopes(claims: dict[str, object]) -> frozenset[str]:
    scp = claims.get("scp")
    return frozenset(scp.split()) if isinstance(scp, str) else frozenset()


def check_scopes(caller: Caller, accepted: tuple[str, ...]) -> None:
    if caller.scopes.isdisjoint(accepted):
        raise GraphError(
            403,
            "Forbidden",
            f"Missing scope permissions on the request. API requires one of '{', '.join(accepted)}'. "
            f"Scopes on the request '{' '.join(sorted(caller.scopes))}'.",
        )


def requires(*accepted: str) -> Callable[[Handler], Handler]:
    """Handler decorator: authenticates the caller, checks one accepted delegated scope is present and
    leaves the caller in request[CALLER]."""

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def wrapper(request: web.Request) -> web.StreamResponse:
            token = bearer_token(request.headers.get("Authorization"))
            caller = verify_token(token, request.app[PUBLIC_KEY], request.app[STORE].tenant_id())
            check_scopes(caller, accepted)
            request[CALLER] = caller
            return await handler(request)

        return wrapper

    return decorate


def caller_of(request: web.Request) -> Caller:
    return request[CALLER]
