"""A local stand-in for the Bot Framework user-token service (what `OAUTH_URL` points at), for the SSO tests.

The bot's real `UserTokenClient` (botframework-connector's TokenApiClient, msrest + requests in a worker
thread) talks to it over HTTP, so an aiohttp TestServer on 127.0.0.1, port 0, in the test's own loop works.

Routes (botframework/connector/token_api/aio/operations_async, api-version "token"):
- GET    /api/botsignin/GetSignInResource?state=...   -> {signInLink, tokenExchangeResource {id, uri, providerId}}
- POST   /api/usertoken/exchange?userId&connectionName&channelId  body {token} -> TokenResponse (200),
         or an ErrorResponse (400) when the token is not an SSO token for this bot
- GET    /api/usertoken/GetToken?userId&connectionName&channelId[&code] -> TokenResponse (200) or 404
- DELETE /api/usertoken/SignOut?userId&connectionName&channelId -> 200
Every call must carry the bot's own token (`Authorization: Bearer <bot_token>`), else 401.

Like the real service, a successful exchange or magic code signs the user in for the connection, and the
token it hands back is a token for the connection's scope (`api://.../access_as_user`): here, a fresh SSO-
shaped token from FakeEntra, which the bot can use as an on-behalf-of assertion.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import jwt
from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.support.fake_entra import FakeEntra


@dataclass(frozen=True)
class TokenServiceCall:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    authorization: str


@dataclass
class FakeTokenService:
    entra: FakeEntra
    bot_token: str
    connection_name: str
    app_id: str
    calls: list[TokenServiceCall] = field(default_factory=list)
    signed_in: dict[tuple[str, str], str] = field(default_factory=dict)  # (user id, connection) -> token
    magic_codes: dict[str, tuple[str, str]] = field(default_factory=dict)  # code -> (user id, token)
    exchange_resource_ids: list[str] = field(default_factory=list)
    states: list[dict[str, Any]] = field(default_factory=list)  # decoded token exchange states
    refuse_exchanges: bool = False
    server: TestServer | None = None

    # ---- test controls -----------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        assert self.server is not None, "not started"
        return str(self.server.make_url("")).rstrip("/")

    def add_magic_code(self, code: str, user_id: str, oid: str, tid: str) -> str:
        """After a visible sign-in, the service knows this code for the user; returns the token it will give."""
        token = self.entra.sso_token(oid, tid)
        self.magic_codes[code] = (user_id, token)
        return token

    def calls_to(self, route: str) -> list[TokenServiceCall]:
        return [c for c in self.calls if c.path.endswith(route)]

    @property
    def issued_tokens(self) -> list[str]:
        return list(self.signed_in.values()) + [token for _, token in self.magic_codes.values()]

    # ---- server ------------------------------------------------------------------------------------------

    async def start(self) -> FakeTokenService:
        app = web.Application()
        app.router.add_get("/api/botsignin/GetSignInResource", self._sign_in_resource)
        app.router.add_post("/api/usertoken/exchange", self._exchange)
        app.router.add_get("/api/usertoken/GetToken", self._get_token)
        app.router.add_delete("/api/usertoken/SignOut", self._sign_out)
        self.server = TestServer(app, host="127.0.0.1", port=0)
        await self.server.start_server()
        return self

    async def close(self) -> None:
        if self.server is not None:
            await self.server.close()

    # ---- routes ------------------------------------------------------------------------------------------

    async def _record(self, request: web.Request) -> TokenServiceCall | None:
        body: Any = None
        if request.can_read_body:
            raw = await request.read()
            body = json.loads(raw) if raw else None
        call = TokenServiceCall(
            request.method, request.path, dict(request.query), body, request.headers.get("Authorization", "")
        )
        self.calls.append(call)
        return call if call.authorization == f"Bearer {self.bot_token}" else None

    async def _sign_in_resource(self, request: web.Request) -> web.Response:
        if await self._record(request) is None:
            return web.json_response({"message": "unauthorized"}, status=401)
        state = json.loads(base64.b64decode(request.query["state"]))
        self.states.append(state)
        resource_id = str(uuid.uuid4())
        self.exchange_resource_ids.append(resource_id)
        return web.json_response(
            {
                "signInLink": f"{self.url}/api/oauth/signin?signin={resource_id}",
                "tokenExchangeResource": {
                    "id": resource_id,
                    "uri": self.entra.sso_audience,
                    "providerId": "fake-aadv2-provider",
                },
            }
        )

    async def _exchange(self, request: web.Request) -> web.Response:
        call = await self._record(request)
        if call is None:
            return web.json_response({"message": "unauthorized"}, status=401)
        token = str((call.body or {}).get("token") or "")
        claims = self._sso_claims(token)
        if self.refuse_exchanges or claims is None or call.query.get("connectionName") != self.connection_name:
            error = {"error": {"code": "TokenExchangeFailed", "message": "The token could not be exchanged."}}
            return web.json_response(error, status=400)
        exchanged = self.entra.sso_token(claims["oid"], claims["tid"])
        self.signed_in[(call.query["userId"], self.connection_name)] = exchanged
        return web.json_response(self._token_response(call.query, exchanged))

    async def _get_token(self, request: web.Request) -> web.Response:
        call = await self._record(request)
        if call is None:
            return web.json_response({"message": "unauthorized"}, status=401)
        user_id, code = call.query.get("userId", ""), call.query.get("code")
        if code:
            found = self.magic_codes.pop(code, None)
            if found is None or found[0] != user_id:
                return web.json_response({}, status=404)
            self.signed_in[(user_id, self.connection_name)] = found[1]
        token = self.signed_in.get((user_id, call.query.get("connectionName", "")))
        if token is None:
            return web.json_response({}, status=404)
        return web.json_response(self._token_response(call.query, token))

    async def _sign_out(self, request: web.Request) -> web.Response:
        call = await self._record(request)
        if call is None:
            return web.json_response({"message": "unauthorized"}, status=401)
        self.signed_in.pop((call.query.get("userId", ""), call.query.get("connectionName", "")), None)
        return web.json_response({})

    # ---- plumbing ----------------------------------------------------------------------------------------

    def _sso_claims(self, token: str) -> dict[str, Any] | None:
        try:
            claims = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            return None
        if claims.get("aud") != self.entra.sso_audience or int(claims.get("exp", 0)) <= time.time():
            return None
        return claims

    def _token_response(self, query: dict[str, str], token: str) -> dict[str, Any]:
        expiration = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
        return {
            "channelId": query.get("channelId", "msteams"),
            "connectionName": self.connection_name,
            "token": token,
            "expiration": expiration,
        }


async def start_token_service(
    entra: FakeEntra, *, bot_token: str, connection_name: str, app_id: str
) -> FakeTokenService:
    return await FakeTokenService(entra, bot_token, connection_name, app_id).start()
