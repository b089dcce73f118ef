"""Graph sandbox, test controls (/_sandbox): faults, request log, reset; persistence; the CLI."""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from pathlib import Path
from urllib.parse import quote

import aiohttp
import pytest
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

from bot.auth.devkey import load_or_create_dev_key
from tests.fixtures_sandbox import (
    BUSINESS_ID,
    FIXTURE_SHIFT_IDS,
    MEGAN_OID,
    SEED_GROUP_ID,
    TEAM_ID,
    SandboxHandle,
    assert_graph_error,
    running_sandbox,
)

ROOT = Path(__file__).resolve().parent.parent
CUSTOMERS = f"/solutions/bookingBusinesses/{quote(BUSINESS_ID, safe='')}/customers"
SHIFTS = f"/teams/{TEAM_ID}/schedule/shifts"
SHIFT = {
    "userId": MEGAN_OID,
    "schedulingGroupId": SEED_GROUP_ID,
    "draftShift": {"startDateTime": "2026-03-11T08:00:00Z", "endDateTime": "2026-03-11T16:00:00Z"},
}


async def test_429_with_retry_after_for_the_matching_requests_only(sandbox: SandboxHandle) -> None:
    await sandbox.inject(status=429, retryAfter=2, match=r"^POST .*/customers$")
    other = await sandbox.call("GET", CUSTOMERS)
    throttled = await sandbox.call("POST", CUSTOMERS, json={"displayName": "A"})
    retried = await sandbox.call("POST", CUSTOMERS, json={"displayName": "A"})
    assert other.status == 200
    assert_graph_error(throttled, 429, "TooManyRequests")
    assert throttled.headers["Retry-After"] == "2"
    assert retried.status == 201
    assert [r["status"] for r in await sandbox.requests()] == [200, 429, 201]


async def test_503_for_the_next_n_requests_then_the_real_answer(sandbox: SandboxHandle) -> None:
    await sandbox.inject(status=503, count=2, retryAfter=0.5)
    statuses = [(await sandbox.call("GET", "/me/joinedTeams")).status for _ in range(3)]
    assert statuses == [503, 503, 200]


async def test_a_delay_alone_slows_the_real_answer(sandbox: SandboxHandle) -> None:
    await sandbox.inject(delay=0.3, match="joinedTeams")
    started = time.monotonic()
    reply = await sandbox.call("GET", "/me/joinedTeams")
    assert reply.status == 200 and reply.body["value"]
    assert time.monotonic() - started >= 0.3


async def test_a_slow_fault_trips_a_client_timeout(sandbox: SandboxHandle) -> None:
    await sandbox.inject(status=504, delay=0.5)
    headers = await sandbox.auth()
    timeout = aiohttp.ClientTimeout(total=0.1)
    with pytest.raises(asyncio.TimeoutError):
        async with sandbox.http.get(sandbox.base_url + "/me/joinedTeams", headers=headers, timeout=timeout):
            pass
    assert (await sandbox.call("GET", "/me/joinedTeams")).status == 200  # the fault was spent


async def test_a_fault_can_carry_its_own_code_message_or_whole_body(sandbox: SandboxHandle) -> None:
    await sandbox.inject(status=500, code="UnknownError", message="An unknown error occurred.")
    await sandbox.inject(status=400, body={"error": {"code": "ErrorInvalidRequest", "message": "custom"}})
    first = await sandbox.call("POST", SHIFTS, json=SHIFT)
    assert assert_graph_error(first, 500, "UnknownError")["message"] == "An unknown error occurred."
    second = await sandbox.call("POST", SHIFTS, json=SHIFT)
    assert (second.status, second.body) == (400, {"error": {"code": "ErrorInvalidRequest", "message": "custom"}})
    assert second.headers["request-id"]


async def test_faults_come_before_authentication(sandbox: SandboxHandle) -> None:
    await sandbox.inject(status=503)
    assert (await sandbox.call("GET", "/me/joinedTeams", auth=False)).status == 503


async def test_faults_are_listed_and_cleared(sandbox: SandboxHandle) -> None:
    await sandbox.inject(status=429, count=3, match="shifts")
    async with sandbox.http.get(sandbox.root_url + "/_sandbox/faults") as response:
        assert [(f["status"], f["count"], f["match"]) for f in (await response.json())["value"]] == [(429, 3, "shifts")]
    await sandbox.clear_faults()
    assert (await sandbox.call("POST", SHIFTS, json=SHIFT)).status == 201


@pytest.mark.parametrize(
    "spec",
    [{}, {"status": 42}, {"status": 429, "count": 0}, {"delay": -1}, {"status": 500, "match": "("}, {"colour": 1}],
)
async def test_bad_fault_specs_are_refused(sandbox: SandboxHandle, spec: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="fault refused"):
        await sandbox.inject(**spec)


async def test_the_request_log_shows_exactly_what_was_sent(sandbox: SandboxHandle) -> None:
    await sandbox.call("POST", CUSTOMERS, json={"displayName": "Joni"}, headers={"client-request-id": "c-1"})
    await sandbox.call("GET", CUSTOMERS + "?$top=1&$filter=emailAddress%20eq%20'a%40b.c'")
    posted, listed = await sandbox.requests()
    assert posted["method"] == "POST"
    assert posted["path"] == "/beta/solutions/bookingBusinesses/contosolunchdelivery%40contoso.com/customers"
    assert posted["body"] == {"displayName": "Joni"}
    assert posted["headers"]["client-request-id"] == "c-1"
    assert posted["headers"]["Content-Type"] == "application/json"
    assert "authorization" not in {name.lower() for name in posted["headers"]}
    assert posted["status"] == 201
    assert listed["query"] == {"$top": "1", "$filter": "emailAddress eq 'a@b.c'"}
    assert listed["queryString"] == "$top=1&$filter=emailAddress%20eq%20'a%40b.c'"
    assert (listed["body"], listed["status"]) == (None, 200)


async def test_controls_are_not_logged(sandbox: SandboxHandle) -> None:
    await sandbox.inject(status=503)
    await sandbox.requests()
    assert await sandbox.requests() == []


async def test_reset_restores_the_fixture_and_clears_faults_and_log(sandbox: SandboxHandle) -> None:
    await sandbox.call("POST", SHIFTS, json=SHIFT)
    await sandbox.inject(status=503, count=5)
    await sandbox.reset()
    assert await sandbox.requests() == []
    shifts = await sandbox.call("GET", SHIFTS)
    assert shifts.status == 200
    assert {s["id"] for s in shifts.body["value"]} == FIXTURE_SHIFT_IDS


async def test_data_survives_a_restart_on_the_same_db(tmp_path: Path, sandbox_dev_key: RSAPrivateKey) -> None:
    db = tmp_path / "sandbox.db"
    async with running_sandbox(db, sandbox_dev_key) as first:
        customer = (await first.call("POST", CUSTOMERS, json={"displayName": "Kept"})).body
        shift = (await first.call("POST", SHIFTS, json=SHIFT)).body
    async with running_sandbox(db, sandbox_dev_key) as second:
        customers = (await second.call("GET", CUSTOMERS)).body["value"]
        shifts = (await second.call("GET", SHIFTS)).body["value"]
    del customer["@odata.context"]
    assert customer in customers
    assert [s["id"] for s in shifts if s["id"] not in FIXTURE_SHIFT_IDS] == [shift["id"]]
    async with running_sandbox(db, sandbox_dev_key, reset=True) as third:  # python -m sandbox --reset
        assert {s["id"] for s in (await third.call("GET", SHIFTS)).body["value"]} == FIXTURE_SHIFT_IDS


async def test_python_m_sandbox_prints_its_base_url_and_serves(tmp_path: Path) -> None:
    args = ["--port", "0", "--db", str(tmp_path / "s.db"), "--signing-key", str(tmp_path / "k.pem")]
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "sandbox", *args, cwd=ROOT, stdout=asyncio.subprocess.PIPE
    )
    try:
        assert process.stdout is not None
        base_url = (await asyncio.wait_for(process.stdout.readline(), timeout=20)).decode().strip()
        assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/beta")
        handle = SandboxHandle(base_url[: -len("/beta")], base_url, load_or_create_dev_key(tmp_path / "k.pem"),
                               tmp_path / "s.db", aiohttp.ClientSession())  # fmt: skip
        async with handle.http:
            assert (await handle.call("GET", "/me/joinedTeams")).status == 200
    finally:
        process.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(process.wait(), timeout=30) == 0  # a loaded CI machine can take a while
