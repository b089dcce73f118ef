"""Graph sandbox, HTTP surface: tokens and scopes, error envelope and request ids, hostile paths, routing."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any
from urllib.parse import quote

import jwt
import pytest
from jsonschema import Draft202012Validator
from yarl import URL

from bot.auth.devkey import DEV_KEY_ID, DEV_TOKEN_AUDIENCE, dev_token_issuer
from sandbox.validation import load_schema
from tests.fixtures_sandbox import (
    ADELE_OID,
    BUSINESS_ID,
    MEGAN_OID,
    SEED_GROUP_ID,
    TEAM_ID,
    TENANT_ID,
    SandboxHandle,
    assert_graph_error,
)

CUSTOMERS = f"/solutions/bookingBusinesses/{quote(BUSINESS_ID, safe='')}/customers"
SHIFTS = f"/teams/{TEAM_ID}/schedule/shifts"
CUSTOMER = {"displayName": "Joni Sherman"}
SHIFT = {
    "userId": MEGAN_OID,
    "schedulingGroupId": SEED_GROUP_ID,
    "draftShift": {"startDateTime": "2026-03-11T08:00:00Z", "endDateTime": "2026-03-11T16:00:00Z", "theme": "blue"},
}
BOOKINGS_WRITE = ("BookingsAppointment.ReadWrite.All", "Bookings.ReadWrite.All", "Bookings.Manage.All")
BOOKINGS_READ = ("Bookings.Read.All", *BOOKINGS_WRITE)
SCHEDULE_READ = ("Schedule.Read.All", "Schedule.ReadWrite.All", "Group.Read.All", "Group.ReadWrite.All")
JOINED_TEAMS = ("Team.ReadBasic.All", "TeamSettings.Read.All", "TeamSettings.ReadWrite.All", "User.Read.All")

# (method, path, body, every delegated scope NOTES.md §4 accepts; the first is the least privileged)
OPERATIONS: list[tuple[str, str, Any, tuple[str, ...]]] = [
    ("GET", "/solutions/bookingBusinesses", None, BOOKINGS_READ),
    ("GET", CUSTOMERS, None, BOOKINGS_READ),
    ("POST", CUSTOMERS, CUSTOMER, BOOKINGS_WRITE),
    ("GET", "/me/joinedTeams", None, JOINED_TEAMS),
    ("GET", f"/teams/{TEAM_ID}/members", None, ("TeamMember.Read.All", "TeamMember.ReadWrite.All")),
    ("GET", f"/teams/{TEAM_ID}/schedule", None, SCHEDULE_READ),
    ("GET", f"/teams/{TEAM_ID}/schedule/schedulingGroups", None, SCHEDULE_READ),
    ("GET", SHIFTS, None, SCHEDULE_READ),
    ("POST", SHIFTS, SHIFT, ("Schedule.ReadWrite.All", "Group.ReadWrite.All")),
]
OPERATION_IDS = [f"{method} {path.split('/')[-1]}" for method, path, _, _ in OPERATIONS]


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    base = {
        "aud": DEV_TOKEN_AUDIENCE,
        "iss": dev_token_issuer(TENANT_ID),
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        "oid": ADELE_OID,
        "tid": TENANT_ID,
        "scp": "Team.ReadBasic.All",
    }
    return {k: v for k, v in {**base, **overrides}.items() if v is not None}


async def bad_tokens(sandbox: SandboxHandle) -> dict[str, str]:
    good = await sandbox.token()
    head, _, signature = good.split(".")
    other_payload = jwt.encode(claims(oid=MEGAN_OID), sandbox.key, algorithm="RS256").split(".")[1]
    sign = {"algorithm": "RS256", "headers": {"kid": DEV_KEY_ID}}
    return {
        "not a jwt": "Bearer abc",
        "basic scheme": f"Basic {good}",
        "tampered": f"Bearer {head}.{other_payload}.{signature}",
        "expired": f"Bearer {await sandbox.token(lifetime_seconds=-120)}",
        "other audience": f"Bearer {jwt.encode(claims(aud='api://someone-else'), sandbox.key, **sign)}",
        "other tenant": f"Bearer {await sandbox.token(tenant_id=str(uuid.uuid4()))}",
        "no oid": f"Bearer {jwt.encode(claims(oid=None), sandbox.key, **sign)}",
        "unknown kid": f"Bearer {jwt.encode(claims(), sandbox.key, algorithm='RS256', headers={'kid': 'x'})}",
        "alg none": f"Bearer {jwt.encode(claims(), None, algorithm='none', headers={'kid': DEV_KEY_ID})}",
    }


async def test_a_missing_token_is_401_invalid_authentication_token(sandbox: SandboxHandle) -> None:
    reply = await sandbox.call("GET", "/me/joinedTeams", auth=False)
    error = assert_graph_error(reply, 401, "InvalidAuthenticationToken")
    assert error["message"] == "Access token is empty."
    assert reply.headers["WWW-Authenticate"].startswith("Bearer ")


async def test_bad_tokens_are_401(sandbox: SandboxHandle) -> None:
    for name, header in (await bad_tokens(sandbox)).items():
        reply = await sandbox.call("GET", "/me/joinedTeams", headers={"Authorization": header})
        assert reply.status == 401, name
        assert_graph_error(reply, 401, "InvalidAuthenticationToken")


@pytest.mark.parametrize(("method", "path", "body", "accepted"), OPERATIONS, ids=OPERATION_IDS)
async def test_every_accepted_scope_alone_is_enough(
    sandbox: SandboxHandle, method: str, path: str, body: Any, accepted: tuple[str, ...]
) -> None:
    for scope in accepted:
        reply = await sandbox.call(method, path, json=body, scopes=(scope,))
        assert reply.status in (200, 201), (scope, reply.body)


@pytest.mark.parametrize(("method", "path", "body", "accepted"), OPERATIONS, ids=OPERATION_IDS)
async def test_a_token_without_an_accepted_scope_is_403_naming_it(
    sandbox: SandboxHandle, method: str, path: str, body: Any, accepted: tuple[str, ...]
) -> None:
    reply = await sandbox.call(method, path, json=body, scopes=("User.Read", "offline_access"))
    error = assert_graph_error(reply, 403, "Forbidden")
    assert accepted[0] in error["message"]


@pytest.mark.parametrize(
    ("method", "path", "body", "scope"),
    [
        ("POST", CUSTOMERS, CUSTOMER, "Bookings.Read.All"),
        ("POST", SHIFTS, SHIFT, "Schedule.Read.All"),
        ("POST", SHIFTS, SHIFT, "Group.Read.All"),
        ("GET", SHIFTS, None, "TeamMember.Read.All"),
    ],
)
async def test_read_scopes_do_not_write(sandbox: SandboxHandle, method: str, path: str, body: Any, scope: str) -> None:
    assert_graph_error(await sandbox.call(method, path, json=body, scopes=(scope,)), 403, "Forbidden")


async def test_request_ids_are_on_every_answer_and_the_client_one_is_echoed(sandbox: SandboxHandle) -> None:
    ok = await sandbox.call("GET", "/me/joinedTeams", headers={"client-request-id": "abc-123"})
    assert ok.status == 200
    assert ok.headers["client-request-id"] == "abc-123"
    uuid.UUID(ok.headers["request-id"])
    failed = await sandbox.call("GET", "/me/joinedTeams", auth=False, headers={"client-request-id": "def-456"})
    assert assert_graph_error(failed, 401, "InvalidAuthenticationToken")["innerError"]["client-request-id"] == "def-456"
    generated = await sandbox.call("GET", "/me/joinedTeams")
    uuid.UUID(generated.headers["client-request-id"])
    assert generated.headers["request-id"] != ok.headers["request-id"]


async def test_answers_carry_graphs_json_content_type(sandbox: SandboxHandle) -> None:
    reply = await sandbox.call("GET", "/me/joinedTeams")
    assert reply.headers["Content-Type"].startswith("application/json;odata.metadata=minimal")


@pytest.mark.parametrize(
    "path",
    [
        "/solutions/bookingBusinesses/a%2F..%2Fb/customers",
        "/solutions/bookingBusinesses/contosolunchdelivery%2540contoso.com/customers",  # decoded once: '%40'
        "/solutions/bookingBusinesses/%2E%2E/customers",
        "/solutions/bookingBusinesses/..%2F..%2Fme%2FjoinedTeams/customers",
        "/solutions/bookingBusinesses/contosolunchdelivery%40contoso.com%3F/customers",
        "/solutions/bookingBusinesses/contosolunchdelivery%40contoso.com%23/customers",
        f"/teams/{TEAM_ID}%2Fschedule/schedulingGroups",
        f"/teams/x%2F..%2F{TEAM_ID}/members",
        f"/teams/{TEAM_ID}%3F/members",
        f"/teams/%2E%2E%2Fteams%2F{TEAM_ID}/schedule/shifts",
    ],
)
async def test_hostile_ids_match_nothing_and_are_404(sandbox: SandboxHandle, path: str) -> None:
    reply = await sandbox.call("GET", path)
    assert_graph_error(reply, 404, "NotFound")
    assert (await sandbox.requests())[-1]["path"] == "/beta" + path  # recorded raw, as received


async def raw_get(sandbox: SandboxHandle, target: str) -> tuple[int, Any]:
    """GET with the request target written byte for byte (clients would resolve dot segments)."""
    url = URL(sandbox.root_url)
    reader, writer = await asyncio.open_connection(url.host, url.port)
    lines = [f"GET {target} HTTP/1.1", f"Host: {url.host}:{url.port}", "Connection: close"]
    lines.append(f"Authorization: Bearer {await sandbox.token()}")
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
    data = await reader.read()
    writer.close()
    await writer.wait_closed()
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body)


@pytest.mark.parametrize(
    "target",
    [
        "/beta/solutions/bookingBusinesses/x/../../../me/joinedTeams",
        f"/beta/teams/x/../{TEAM_ID}/members",
        f"/beta/teams/{TEAM_ID}/./members",
        "/beta/me//joinedTeams",
    ],
)
async def test_dot_segments_are_never_resolved(sandbox: SandboxHandle, target: str) -> None:
    status, body = await raw_get(sandbox, target)
    assert (status, body["error"]["code"]) == (404, "NotFound")


async def test_the_encoded_business_id_is_the_positive_control(sandbox: SandboxHandle) -> None:
    status, body = await raw_get(sandbox, "/beta" + CUSTOMERS)
    assert status == 200 and body["value"]
    assert (await sandbox.call("GET", CUSTOMERS.replace("contosolunch", "CONTOSOLUNCH"))).status == 200


async def test_unknown_routes_are_404_and_wrong_methods_405_in_graphs_shape(sandbox: SandboxHandle) -> None:
    assert_graph_error(await sandbox.call("GET", "/users"), 404, "NotFound")
    assert_graph_error(await sandbox.call("GET", ""), 404, "NotFound")
    assert_graph_error(await sandbox.call("DELETE", CUSTOMERS), 405, "BadRequest")
    assert_graph_error(
        await sandbox.call("GET", "http://x/v1.0/me".replace("http://x", sandbox.root_url)), 404, "NotFound"
    )


def test_the_contract_schema_copy_is_valid_draft_2020_12() -> None:
    Draft202012Validator.check_schema(load_schema())
