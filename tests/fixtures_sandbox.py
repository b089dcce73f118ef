"""Pytest plugin: the `sandbox` fixture, a live Graph sandbox on a real socket (127.0.0.1, port 0) with a
temporary db and a temporary dev signing key, plus the fixture tenant's ids.

    async def test_x(sandbox):
        token = await sandbox.token(scopes=("Schedule.ReadWrite.All",))
        await sandbox.inject(status=429, retryAfter=1, match="POST .*/shifts$")
        ... call sandbox.base_url + "/teams/..." ...
        assert (await sandbox.requests())[-1]["body"] == {...}
"""

from __future__ import annotations

import contextlib
import json as _json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from aiohttp.test_utils import TestServer
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from jsonschema import Draft202012Validator
from multidict import CIMultiDictProxy
from yarl import URL

from bot.auth.devkey import load_or_create_dev_key
from bot.auth.tokens import DevTokenProvider, UserIdentity
from sandbox.app import create_sandbox_app
from sandbox.store import load_fixture
from sandbox.validation import load_schema

# -- the fixture tenant (sandbox/fixture.json; users = .m365agentsplayground.yml's currentUser + users) ----
TENANT_ID = "9b2f6c1e-4d3a-4f8e-9a57-3c1d2e5f6a70"
ADELE_OID = "6e1a9b1c-2d4f-4e37-9a8b-1c2d3e4f5a61"  # owner of both teams, staff of Contoso Lunch Delivery
MEGAN_OID = "c5d0c76b-80c4-481c-be50-923cd8d680a1"  # member, staff of Contoso Lunch Delivery
ALEX_OID = "3f8c2a17-5b6d-4e9f-8a1c-7d2e3b4c5a62"  # member
LYNNE_OID = "8d4e1f3a-6c7b-4d2e-9f1a-2b3c4d5e6f63"  # member, staff of Fabrikam Salon
ISAIAH_OID = "b7a9c1d2-3e4f-4a5b-8c6d-9e0f1a2b3c64"  # member
PATTI_OID = "4c6e8a0b-2d1f-4e3a-9b5c-7d8e9f0a1b65"  # member
MEMBER_OIDS = (ADELE_OID, MEGAN_OID, ALEX_OID, LYNNE_OID, ISAIAH_OID, PATTI_OID)  # Contoso Retail, in this order
OUTSIDER_OID = "00000000-0000-4000-8000-0000000000aa"  # valid token, in no team, staff nowhere

BUSINESS_ID = "contosolunchdelivery@contoso.com"  # Adele and Megan are staff
OTHER_BUSINESS_ID = "fabrikamsalon@contoso.com"  # Adele is NOT staff: 403 ErrorFolderNotFound

TEAM_ID = "e2a4b6c8-1d3f-4a5b-9c7d-0e1f2a3b4c5d"  # Contoso Retail, schedule enabled, Europe/Paris
UNSCHEDULED_TEAM_ID = "9e7752d5-6e9f-46bb-9e51-db7474f95cdf"  # Contoso Kitchen Ops, schedule NotStarted
SEED_GROUP_ID = "TAG_228940ed-ff84-4e25-b129-1b395cf78be0"  # Front desk (every member)
KITCHEN_GROUP_ID = "TAG_a63e4241-9a2d-4a99-aaf5-932363df01d0"
DELIVERY_GROUP_ID = "TAG_af8dec49-6d74-44a2-a3e4-0a34c0306e04"
INACTIVE_GROUP_ID = "TAG_40280eea-6c49-4715-aad0-b9d349b05cba"  # Seasonal (archived), isActive false

# Shifts the fixture itself holds (the requests' shifts): tests about shifts they create leave these out.
FIXTURE_SHIFT_IDS = frozenset(shift["id"] for team in load_fixture(None)["teams"] for shift in team.get("shifts", []))

# The bot's minimal delegated set (NOTES.md §4): every sandbox read and write accepts one of these.
BOT_SCOPES = (
    "BookingsAppointment.ReadWrite.All",
    "Schedule.ReadWrite.All",
    "Team.ReadBasic.All",
    "TeamMember.Read.All",
)


def assert_contract(def_name: str, instance: Any) -> None:
    """Asserts `instance` matches `$defs/<def_name>` of the Graph contract schema."""
    validator = Draft202012Validator({**load_schema(), "$ref": f"#/$defs/{def_name}"})
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(instance)]
    assert not errors, f"{def_name}: {errors}"


@dataclass
class Reply:
    status: int
    body: Any  # parsed JSON, or None for an empty body
    headers: CIMultiDictProxy[str]


def assert_graph_error(reply: Reply, status: int, code: str) -> dict[str, Any]:
    """Asserts Graph's error envelope (contract `odataError`, innerError ids = response headers) with
    this status and code; returns body["error"]."""
    assert reply.status == status, (reply.status, reply.body)
    assert_contract("odataError", reply.body)
    error = reply.body["error"]
    assert error["code"] == code, error
    inner = error["innerError"]
    assert inner["request-id"] == reply.headers["request-id"]
    assert inner["client-request-id"] == reply.headers["client-request-id"]
    assert inner["date"]
    return error


@dataclass
class SandboxHandle:
    root_url: str  # http://127.0.0.1:<port>
    base_url: str  # root_url + "/beta"
    key: RSAPrivateKey
    db_path: Path
    http: aiohttp.ClientSession  # plain session, no auth: for the controls or raw calls

    TENANT_ID = TENANT_ID
    ADELE_OID = ADELE_OID
    MEGAN_OID = MEGAN_OID
    ALEX_OID = ALEX_OID
    LYNNE_OID = LYNNE_OID
    ISAIAH_OID = ISAIAH_OID
    PATTI_OID = PATTI_OID
    OUTSIDER_OID = OUTSIDER_OID
    BUSINESS_ID = BUSINESS_ID
    OTHER_BUSINESS_ID = OTHER_BUSINESS_ID
    TEAM_ID = TEAM_ID
    UNSCHEDULED_TEAM_ID = UNSCHEDULED_TEAM_ID
    SEED_GROUP_ID = SEED_GROUP_ID
    INACTIVE_GROUP_ID = INACTIVE_GROUP_ID
    BOT_SCOPES = BOT_SCOPES

    async def token(
        self,
        oid: str = ADELE_OID,
        scopes: tuple[str, ...] = BOT_SCOPES,
        *,
        tenant_id: str = TENANT_ID,
        lifetime_seconds: int = 600,
    ) -> str:
        provider = DevTokenProvider(self.key, lifetime_seconds=lifetime_seconds)
        return await provider.get_token(UserIdentity(aad_object_id=oid, tenant_id=tenant_id), scopes)

    async def auth(self, oid: str = ADELE_OID, scopes: tuple[str, ...] = BOT_SCOPES) -> dict[str, str]:
        """{"Authorization": "Bearer <token>"} for `oid`."""
        return {"Authorization": f"Bearer {await self.token(oid, scopes)}"}

    async def call(
        self,
        method: str,
        path: str,
        *,
        oid: str = ADELE_OID,
        scopes: tuple[str, ...] = BOT_SCOPES,
        json: Any = None,
        headers: dict[str, str] | None = None,
        auth: bool = True,
    ) -> Reply:
        """One request to base_url + path (or to an absolute URL), sent exactly as written: the path
        and query must already be percent-encoded."""
        url = path if path.startswith("http") else self.base_url + path
        sent = dict(headers or {})
        if auth:
            sent.setdefault("Authorization", f"Bearer {await self.token(oid, scopes)}")
        async with self.http.request(method, URL(url, encoded=True), json=json, headers=sent) as response:
            text = await response.text()
            body = _json.loads(text) if text else None
            return Reply(response.status, body, response.headers)

    async def inject(self, **fault: Any) -> dict[str, Any]:
        """POST /_sandbox/faults; keywords as the control's JSON (status, count, retryAfter, delay, match,
        body, code, message)."""
        async with self.http.post(f"{self.root_url}/_sandbox/faults", json=fault) as response:
            body = await response.json()
            if response.status != 201:
                raise ValueError(f"fault refused: {body}")
            return body["fault"]

    async def clear_faults(self) -> None:
        async with self.http.delete(f"{self.root_url}/_sandbox/faults") as response:
            response.raise_for_status()

    async def requests(self) -> list[dict[str, Any]]:
        async with self.http.get(f"{self.root_url}/_sandbox/requests") as response:
            return await response.json()

    async def reset(self) -> None:
        async with self.http.post(f"{self.root_url}/_sandbox/reset") as response:
            response.raise_for_status()


@contextlib.asynccontextmanager
async def running_sandbox(
    db_path: Path, key: RSAPrivateKey, *, reset: bool = False, fixture_path: Path | None = None, **options: Any
) -> AsyncIterator[SandboxHandle]:
    """A sandbox app served on 127.0.0.1, port 0. Usable directly, e.g. to restart on the same db."""
    app = create_sandbox_app(
        db_path=db_path, public_key=key.public_key(), reset=reset, fixture_path=fixture_path, **options
    )
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    try:
        root = str(server.make_url("")).rstrip("/")
        async with aiohttp.ClientSession() as http:
            yield SandboxHandle(root, f"{root}/beta", key, db_path, http)
    finally:
        await server.close()


@pytest.fixture(scope="session")
def sandbox_dev_key(tmp_path_factory: pytest.TempPathFactory) -> RSAPrivateKey:
    """A throwaway dev signing key, made once per session (RSA generation is the slow part)."""
    return load_or_create_dev_key(tmp_path_factory.mktemp("sandbox-key") / "dev-signing-key.pem")


@pytest_asyncio.fixture
async def sandbox(tmp_path: Path, sandbox_dev_key: RSAPrivateKey) -> AsyncIterator[SandboxHandle]:
    async with running_sandbox(tmp_path / "sandbox.db", sandbox_dev_key) as handle:
        yield handle


WEEK_FIXTURE = Path(__file__).resolve().parent.parent / "sandbox" / "fixture-week.json"
BAKERY_TEAM_ID = "5b0e7c2a-8f1d-4c3e-a6b9-2d4f6a8c0e13"  # Northwind Bakery (fixture-week.json), America/Toronto


@pytest_asyncio.fixture
async def week_sandbox(tmp_path: Path, sandbox_dev_key: RSAPrivateKey) -> AsyncIterator[SandboxHandle]:
    """The sandbox with the fixture week (sandbox/fixture-week.json): two scheduled teams, 39 shifts."""
    async with running_sandbox(tmp_path / "sandbox-week.db", sandbox_dev_key, fixture_path=WEEK_FIXTURE) as handle:
        yield handle
