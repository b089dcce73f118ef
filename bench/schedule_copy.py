"""How long copying a 5-day week of 40 shifts takes against the sandbox's 4 writes/s per team, and whether any
shift is copied twice when 20 % of the writes get an injected 429 or 503.

    .venv/bin/python -m bench.schedule_copy [--shifts 40] [--fault-rate 0.2] [--seed 7]

A benchmark, not a test: it prints numbers (and exits non-zero only if a copy is duplicated or missing). The copy
job is the bot's own (bot.schedule.copy.CopyJob: the client-side limiter, per-shift records in the SQLite state
store, look-before-retry on lost answers), over real sockets to the sandbox. The physical floor is
(shifts / 4 - 1) s: the first 4 writes go at once, then 4 per second."""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
from aiohttp.test_utils import TestServer

from bot.auth.devkey import load_or_create_dev_key
from bot.auth.tokens import DevTokenProvider, UserIdentity
from bot.graph.client import GraphClient
from bot.schedule import model as m
from bot.schedule.copy import CopyJob, CopyPlan, JobState, Source, copy_body
from bot.schedule.service import ScheduleService, Window
from bot.storage import SqliteStorage
from sandbox.app import create_sandbox_app
from tools.make_fixture_week import FRONT, KITCHEN, MEMBERS_OF_RETAIL, RETAIL, build, iso, span

ADELE = "6e1a9b1c-2d4f-4e37-9a8b-1c2d3e4f5a61"
TENANT = "9b2f6c1e-4d3a-4f8e-9a57-3c1d2e5f6a70"
SOURCE_MONDAY = date(2027, 1, 4)
TARGET_MONDAY = date(2027, 1, 11)


def fixture_with(shifts: int) -> dict[str, Any]:
    """The fixture week, with Contoso Retail's shifts replaced by `shifts` published ones over Mon-Fri of the
    source week: each member a morning and an evening shift a day, in turn (no member overlaps itself)."""
    fixture = build()
    retail = next(team for team in fixture["teams"] if team["id"] == RETAIL)
    paris = ZoneInfo("Europe/Paris")
    made = []
    for n in range(shifts):
        day = SOURCE_MONDAY + timedelta(days=n % 5)
        slot = n // 5
        member = MEMBERS_OF_RETAIL[slot % len(MEMBERS_OF_RETAIL)]
        start, end = ("07:00", "12:00") if slot < len(MEMBERS_OF_RETAIL) else ("13:00", "18:00")
        begins, ends = span(day, start, end, paris)
        item: dict[str, Any] = {
            "displayName": f"Bench {n}", "notes": None, "startDateTime": iso(begins), "endDateTime": iso(ends),
            "theme": "blue", "activities": [],
        }  # fmt: skip
        made.append({
            "id": f"SHFT_bench-{n:03d}", "createdDateTime": "2026-12-01T00:00:00Z",
            "lastModifiedDateTime": "2026-12-01T00:00:00Z", "userId": member,
            "schedulingGroupId": FRONT if n % 2 else KITCHEN, "isStagedForDeletion": False,
            "draftShift": None, "sharedShift": item,
        })  # fmt: skip
    retail["shifts"] = made
    return fixture


async def run_once(shifts: int, fault_rate: float, seed: int, tmp: Path) -> dict[str, Any]:
    fixture = tmp / f"fixture-{fault_rate}.json"
    fixture.write_text(json.dumps(fixture_with(shifts)), encoding="utf-8")
    key = load_or_create_dev_key(tmp / "key.pem")
    app = create_sandbox_app(db_path=tmp / f"sandbox-{fault_rate}.db", public_key=key, fixture_path=fixture, reset=True)
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    root = str(server.make_url("")).rstrip("/")
    storage = SqliteStorage(tmp / f"state-{fault_rate}.db")
    try:
        async with aiohttp.ClientSession() as session:
            if fault_rate:
                for status, extra in ((429, {"retryAfter": 1}), (503, {})):
                    spec = {"status": status, "count": 10_000, "probability": fault_rate / 2, "seed": seed + status,
                            "match": r"^POST .*/schedule/shifts$", **extra}  # fmt: skip
                    async with session.post(f"{root}/_sandbox/faults", json=spec) as response:
                        response.raise_for_status()
            graph = GraphClient(session, f"{root}/beta", DevTokenProvider(key))
            user = UserIdentity(aad_object_id=ADELE, tenant_id=TENANT)
            plan = CopyPlan(RETAIL, "Europe/Paris", m.Range(SOURCE_MONDAY, 7), TARGET_MONDAY, as_draft=True)
            zone = ZoneInfo(plan.zone)
            entries = await ScheduleService(graph).entries(user, RETAIL, Window.of(plan.source, zone))
            sources = [
                Source(e.entry_id, e.label, body)
                for e in entries
                if e.kind == "shift" and (body := copy_body(e.raw, plan.offset, zone, True)) is not None
            ]

            async def quiet(_: JobState) -> None:
                return None

            job = CopyJob(graph, storage, user, plan)
            started = time.monotonic()
            state = await job.run(sources, quiet)
            seconds = time.monotonic() - started
            async with session.get(f"{root}/_sandbox/requests") as response:
                log = await response.json()
            copies = await ScheduleService(graph).entries(user, RETAIL, Window.of(plan.target, zone))
    finally:
        await storage.aclose()
        await server.close()
    posts = Counter(entry["status"] for entry in log if entry["method"] == "POST" and entry["path"].endswith("/shifts"))
    per_slot = Counter((c.user_id, c.start) for c in copies if c.kind == "shift")
    return {
        "faultRate": fault_rate,
        "sources": len(sources),
        "seconds": round(seconds, 2),
        "copied": state.copied,
        "skipped": state.skipped,
        "failed": len(state.failed),
        "copiesInGraph": sum(per_slot.values()),
        "duplicates": sum(n - 1 for n in per_slot.values() if n > 1),
        "postStatuses": dict(sorted(posts.items())),
    }


async def main(shifts: int, fault_rate: float, seed: int) -> int:
    with tempfile.TemporaryDirectory() as folder:
        results = [await run_once(shifts, rate, seed, Path(folder)) for rate in (0.0, fault_rate)]
    floor = shifts / 4 - 1
    print(f"copy of a 5-day week, {shifts} shifts, sandbox limit 4 writes/s per team (floor {floor:.1f} s)")
    for result in results:
        print(json.dumps(result))
    bad = [r for r in results if r["duplicates"] or r["copiesInGraph"] != r["sources"] - r["skipped"]]
    return 1 if bad else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shifts", type=int, default=40)
    parser.add_argument("--fault-rate", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    raise SystemExit(asyncio.run(main(args.shifts, args.fault_rate, args.seed)))
