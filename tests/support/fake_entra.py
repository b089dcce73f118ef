"""An in-process fake of the Microsoft Entra v2 endpoints MSAL talks to, for offline tests with the real MSAL.

Pass the fake itself as MSAL's `http_client=` (it has `.get`/`.post` returning response objects with
`status_code`, `text`, `headers`, `raise_for_status`), with an https authority on its host and
`instance_discovery=False`. MSAL builds its real requests and parses the real-shaped answers; nothing
touches the network (REQUESTS_CA_BUNDLE and verify= never come into play).

Served:
- GET  https://<host>/<tenant>/v2.0/.well-known/openid-configuration (tenant discovery)
- POST https://<host>/<tenant>/oauth2/v2.0/token for grant_type
  `urn:ietf:params:oauth:grant-type:jwt-bearer` (on-behalf-of, `requested_token_use=on_behalf_of`) and
  `refresh_token`; answers access/refresh/id tokens and client_info, or Entra-shaped errors
  (`invalid_grant` + suberror `consent_required` + AADSTS65001, `interaction_required`, `invalid_client`...).
Anything else is a 404 and is listed in `unexpected`.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote_plus, urlsplit

import jwt
import requests

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
OIDC_SCOPES = frozenset({"openid", "profile", "offline_access", "email"})
_SIGNING_SECRET = "fake-entra-signing-secret-not-a-real-key"


@dataclass
class FakeResponse:
    status_code: int
    text: str
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/json"})

    def raise_for_status(self) -> None:
        if self.status_code >= 400:
            raise requests.HTTPError(f"{self.status_code} from fake Entra", response=None)

    def json(self) -> Any:
        return json.loads(self.text)


@dataclass(frozen=True)
class SeenRequest:
    method: str
    url: str
    params: dict[str, Any]
    data: dict[str, Any]
    headers: dict[str, str]

    @property
    def grant_type(self) -> str | None:
        return self.data.get("grant_type")

    @property
    def scopes(self) -> set[str]:
        return set(str(self.data.get("scope", "")).split())

    @property
    def resource_scopes(self) -> set[str]:
        """The scope parameter without the OpenID scopes MSAL adds (openid, profile, offline_access)."""
        return self.scopes - OIDC_SCOPES


@dataclass
class _Grant:
    oid: str
    tid: str
    name: str


class FakeEntra:
    def __init__(
        self,
        client_id: str,
        client_secret: str,
        *,
        host: str = "login.entra.test",
        sso_audience: str | None = None,
        access_token_lifetime: int = 3600,
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.host = host
        self.sso_audience = sso_audience or f"api://botid-{client_id}"
        self.access_token_lifetime = access_token_lifetime
        self.consented: set[str] | None = None  # None: every scope consented; else full scope strings
        self.interaction_required = False  # e.g. MFA demanded by Conditional Access
        self.requests: list[SeenRequest] = []
        self.unexpected: list[SeenRequest] = []
        self.issued_access_tokens: list[str] = []
        self.issued_refresh_tokens: list[str] = []
        self._refresh_tokens: dict[str, _Grant] = {}
        self._forced: list[FakeResponse] = []

    # ---- test controls -----------------------------------------------------------------------------------

    def authority(self, tenant: str = "organizations") -> str:
        return f"https://{self.host}/{tenant}"

    def grant_consent(self, *scopes: str) -> None:
        self.consented = (self.consented or set()) | set(scopes)

    def fail_next(self, status: int, body: dict[str, Any] | str) -> None:
        """The next token request gets this answer instead (e.g. 503, or an error dict)."""
        text = body if isinstance(body, str) else json.dumps(body)
        self._forced.append(FakeResponse(status, text))

    def sso_token(self, oid: str, tid: str, *, lifetime: int = 3600, audience: str | None = None) -> str:
        """A Teams-SSO-shaped token for this app (`aud` = the bot's Application ID URI, `scp` access_as_user)."""
        now = int(time.time())
        claims = {
            "aud": audience or self.sso_audience,
            "iss": f"https://{self.host}/{tid}/v2.0",
            "iat": now,
            "nbf": now,
            "exp": now + lifetime,
            "oid": oid,
            "tid": tid,
            "sub": f"sub-{oid}",
            "scp": "access_as_user",
            "azp": "1fec8e78-bce4-4aaf-ab1b-5451cc387264",  # Teams desktop/mobile client id
            "uti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, _SIGNING_SECRET, algorithm="HS256")

    @property
    def token_requests(self) -> list[SeenRequest]:
        return [r for r in self.requests if r.method == "POST"]

    def grants(self) -> list[str | None]:
        return [r.grant_type for r in self.token_requests]

    # ---- MSAL's http_client interface ----------------------------------------------------------------------

    def get(self, url: str, params: Any = None, headers: Any = None, **kwargs: Any) -> FakeResponse:
        seen = self._record("GET", url, params, None, headers)
        parts = urlsplit(url)
        segments = parts.path.strip("/").split("/")
        if parts.hostname == self.host and segments[1:] == ["v2.0", ".well-known", "openid-configuration"]:
            return _ok(self._openid_configuration(segments[0]))
        return self._unexpected(seen)

    def post(self, url: str, params: Any = None, data: Any = None, headers: Any = None, **kwargs: Any) -> FakeResponse:
        seen = self._record("POST", url, params, data, headers)
        parts = urlsplit(url)
        segments = parts.path.strip("/").split("/")
        if parts.hostname != self.host or segments[1:] != ["oauth2", "v2.0", "token"]:
            return self._unexpected(seen)
        if self._forced:
            return self._forced.pop(0)
        return self._token(seen, segments[0])

    def close(self) -> None:
        pass

    # ---- endpoints ---------------------------------------------------------------------------------------

    def _openid_configuration(self, tenant: str) -> dict[str, Any]:
        base = f"https://{self.host}/{tenant}"
        return {
            "issuer": f"https://{self.host}/{tenant}/v2.0",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "jwks_uri": f"https://{self.host}/{tenant}/discovery/v2.0/keys",
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "tenant_region_scope": "EU",
        }

    def _token(self, seen: SeenRequest, tenant: str) -> FakeResponse:
        cid = seen.headers.get("client-request-id") or str(uuid.uuid4())
        if not self._client_authenticated(seen):
            return _error(401, "invalid_client", 7000215, "Invalid client secret provided.", cid)
        if seen.grant_type == JWT_BEARER:
            return self._on_behalf_of(seen, tenant, cid)
        if seen.grant_type == "refresh_token":
            return self._refresh(seen, cid)
        return _error(400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type.", cid)

    def _client_authenticated(self, seen: SeenRequest) -> bool:
        pair = f"{quote_plus(self.client_id)}:{quote_plus(self.client_secret)}"
        expected = base64.b64encode(pair.encode()).decode()
        if seen.headers.get("Authorization") == f"Basic {expected}":
            return True
        data = seen.data
        return data.get("client_id") == self.client_id and data.get("client_secret") == self.client_secret

    def _on_behalf_of(self, seen: SeenRequest, tenant: str, cid: str) -> FakeResponse:
        if seen.data.get("requested_token_use") != "on_behalf_of":
            return _error(400, "invalid_request", 900144, "requested_token_use is missing.", cid)
        try:
            claims = jwt.decode(str(seen.data.get("assertion")), options={"verify_signature": False})
        except jwt.PyJWTError:
            return _error(400, "invalid_request", 50027, "JWT token is invalid or malformed.", cid)
        problem = self._assertion_problem(claims, tenant)
        if problem:
            return _error(400, "invalid_grant", problem[0], problem[1], cid)
        grant = _Grant(claims["oid"], claims["tid"], claims.get("name", ""))
        return self._issue_or_refuse(seen, grant, cid)

    def _assertion_problem(self, claims: dict[str, Any], tenant: str) -> tuple[int, str] | None:
        if claims.get("aud") != self.sso_audience:
            return 50013, "Assertion failed signature validation or audience mismatch."
        if int(claims.get("exp", 0)) <= time.time():
            return 500133, "Assertion is not within its valid time range."
        if tenant.lower() not in {"organizations", "common", str(claims.get("tid")).lower()}:
            return 50013, "Assertion audience does not match the tenant."
        return None

    def _refresh(self, seen: SeenRequest, cid: str) -> FakeResponse:
        grant = self._refresh_tokens.get(str(seen.data.get("refresh_token")))
        if grant is None:
            return _error(400, "invalid_grant", 9002313, "Invalid request. Refresh token is invalid.", cid)
        return self._issue_or_refuse(seen, grant, cid)

    def _issue_or_refuse(self, seen: SeenRequest, grant: _Grant, cid: str) -> FakeResponse:
        wanted = sorted(seen.resource_scopes)
        if self.interaction_required:
            return _error(400, "interaction_required", 50076, "You must use multi-factor authentication.", cid)
        if self.consented is not None and not set(wanted) <= self.consented:
            return _error(
                400,
                "invalid_grant",
                65001,
                f"The user or administrator has not consented to use the application with ID "
                f"'{self.client_id}'. Send an interactive authorization request for this user and resource.",
                cid,
                suberror="consent_required",
            )
        return _ok(self._tokens(grant, wanted))

    def _tokens(self, grant: _Grant, scopes: list[str]) -> dict[str, Any]:
        access = self._access_token(grant, scopes)
        refresh = f"1.ARfake.{secrets.token_urlsafe(48)}"
        self._refresh_tokens[refresh] = grant
        self.issued_access_tokens.append(access)
        self.issued_refresh_tokens.append(refresh)
        return {
            "token_type": "Bearer",
            "scope": " ".join(scopes),
            "expires_in": self.access_token_lifetime,
            "ext_expires_in": self.access_token_lifetime,
            "access_token": access,
            "refresh_token": refresh,
            "id_token": self._id_token(grant),
            "client_info": _b64url(json.dumps({"uid": grant.oid, "utid": grant.tid})),
        }

    def _access_token(self, grant: _Grant, scopes: list[str]) -> str:
        now = int(time.time())
        claims = {
            "aud": "https://graph.microsoft.com",
            "iss": f"https://sts.windows.net/{grant.tid}/",
            "iat": now,
            "nbf": now,
            "exp": now + self.access_token_lifetime,
            "appid": self.client_id,
            "oid": grant.oid,
            "tid": grant.tid,
            "scp": " ".join(s.rsplit("/", 1)[-1] for s in scopes),
            "uti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, _SIGNING_SECRET, algorithm="HS256")

    def _id_token(self, grant: _Grant) -> str:
        now = int(time.time())
        claims = {
            "aud": self.client_id,
            "iss": f"https://{self.host}/{grant.tid}/v2.0",
            "iat": now,
            "nbf": now,
            "exp": now + 3600,
            "oid": grant.oid,
            "tid": grant.tid,
            "sub": f"sub-{grant.oid}",
            "preferred_username": f"{grant.oid[:8]}@contoso.test",
            "name": grant.name or "Test Manager",
            "ver": "2.0",
        }
        return jwt.encode(claims, _SIGNING_SECRET, algorithm="HS256")

    # ---- plumbing ----------------------------------------------------------------------------------------

    def _record(self, method: str, url: str, params: Any, data: Any, headers: Any) -> SeenRequest:
        form = dict(parse_qsl(data)) if isinstance(data, str) else dict(data or {})
        seen = SeenRequest(method, url, dict(params or {}), form, dict(headers or {}))
        self.requests.append(seen)
        return seen

    def _unexpected(self, seen: SeenRequest) -> FakeResponse:
        self.unexpected.append(seen)
        return FakeResponse(404, json.dumps({"error": "not_found", "error_description": seen.url}))


def _ok(body: dict[str, Any]) -> FakeResponse:
    return FakeResponse(200, json.dumps(body))


def _error(
    status: int, error: str, code: int, text: str, correlation_id: str, *, suberror: str | None = None
) -> FakeResponse:
    trace_id = str(uuid.uuid4())
    stamp = time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime())
    body: dict[str, Any] = {
        "error": error,
        "error_description": f"AADSTS{code}: {text} Trace ID: {trace_id} Correlation ID: {correlation_id} "
        f"Timestamp: {stamp}",
        "error_codes": [code],
        "timestamp": stamp,
        "trace_id": trace_id,
        "correlation_id": correlation_id,
        "error_uri": f"https://login.entra.test/error?code={code}",
    }
    if suberror:
        body["suberror"] = suberror
    return FakeResponse(status, json.dumps(body))


def _b64url(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")
