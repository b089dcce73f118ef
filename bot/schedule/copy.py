"""Copying a day or a week of shifts to another day or week. Graph has no copy: one POST per shift, at most
4 writes per second per team, for as long as it takes (past Teams' 5-second limit, in the background).

Exactly once, across presses, instances and restarts, rests on the shared state store's conditional writes:
- the job (`schedcopy:<job>`) is leased by one runner at a time; a second press while it runs only shows progress;
- each source shift has its own record per day offset (`schedcopy:<team>:<shift id>:<+days>`), shared by every job
  that copies it there, claimed with create-if-absent or replace-if-ETag before its POST and marked copied, skipped
  or failed after it;
- a claim found expired (its runner died midway) or a POST whose answer was lost (5xx, timeout) makes the next
  attempt look in Graph for the copy first (same member, same start and end) before posting.
The job id derives from what is copied (team, source days, target, filters), so the same copy asked from another
card is the same job."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.auth.tokens import UserIdentity
from bot.graph.client import GraphClient, RetryPolicy, deadline
from bot.graph.errors import GraphError, GraphThrottled, GraphUnavailable
from bot.schedule import model as m
from bot.schedule.service import ScheduleService, Window
from bot.shift.timezones import graph_time, parse_graph_time, to_utc
from bot.storage import StateStore

log = logging.getLogger("managerdesk.schedule.copy")

CLAIM_SECONDS = 30.0  # one shift's copy never takes longer; a claim older than this was abandoned
LEASE_SECONDS = 20.0  # a job runner renews its lease at every progress report
MAX_TRIES = 6  # per shift and run: 429s and lost answers are retried, then the shift is reported failed
WRITES_IN_FLIGHT = 4  # the team allows 4 requests a second (the client paces them); more in flight only queue
RECORD_DAYS = 30  # how long job and shift records are kept
CLASSIC_FALLBACK_THEME = "white"  # a source theme read back as unknownFutureValue can never be sent

Progress = Callable[["JobState"], Awaitable[None]]


@dataclass(frozen=True)
class CopyPlan:
    team_id: str
    zone: str
    source: m.Range
    target_first: date
    as_draft: bool
    member: str = ""  # only this member's shifts ("" = everyone)
    group: str = ""  # only this group's shifts

    @property
    def offset(self) -> timedelta:
        return self.target_first - self.source.first

    @property
    def target(self) -> m.Range:
        return m.Range(self.target_first, self.source.days)

    @property
    def job_id(self) -> str:
        parts = [self.team_id.lower(), self.source.first.isoformat(), str(self.source.days),
                 self.target_first.isoformat(), self.member, self.group]  # fmt: skip
        return hashlib.sha256("|".join(parts).encode()).hexdigest()[:24]

    def shift_key(self, shift_id: str) -> str:
        """A source shift's record: per shift and day offset, whatever job copies it (narrowed or not, draft or
        not), so that no two jobs make the same copy."""
        return f"schedcopy:{self.team_id.lower()}:{shift_id}:{self.offset.days:+d}"

    def to_json(self) -> dict[str, Any]:
        return {
            "teamId": self.team_id, "zone": self.zone, "first": self.source.first.isoformat(),
            "days": self.source.days, "target": self.target_first.isoformat(), "asDraft": self.as_draft,
            "member": self.member, "group": self.group,
        }  # fmt: skip

    @staticmethod
    def from_json(data: dict[str, Any]) -> CopyPlan:
        return CopyPlan(
            team_id=str(data["teamId"]),
            zone=str(data["zone"]),
            source=m.Range(date.fromisoformat(data["first"]), int(data["days"])),
            target_first=date.fromisoformat(data["target"]),
            as_draft=bool(data["asDraft"]),
            member=str(data.get("member") or ""),
            group=str(data.get("group") or ""),
        )


@dataclass
class JobState:
    """What the card shows: counts so far, and the source shifts that failed (by id, with their titles)."""

    total: int = 0
    copied: int = 0
    skipped: int = 0
    failed: dict[str, str] = field(default_factory=dict)  # source id -> "Mon 7 · 08:00 – 16:00 · Megan Bowen"
    running: bool = True

    @property
    def done(self) -> int:
        return self.copied + self.skipped + len(self.failed)

    def to_json(self) -> dict[str, Any]:
        return {"total": self.total, "copied": self.copied, "skipped": self.skipped, "failed": self.failed,
                "running": self.running}  # fmt: skip

    @staticmethod
    def from_json(data: dict[str, Any]) -> JobState:
        return JobState(
            total=int(data.get("total") or 0),
            copied=int(data.get("copied") or 0),
            skipped=int(data.get("skipped") or 0),
            failed=dict(data.get("failed") or {}),
            running=bool(data.get("running")),
        )


def copy_body(source: dict[str, Any], offset: timedelta, zone: ZoneInfo, as_draft: bool) -> dict[str, Any] | None:
    """The POST body of a source shift's copy: same wall-clock times `offset` days later in `zone` (so a copy
    across a daylight-saving change keeps its local hours), only writable properties."""
    draft = source.get("draftShift")
    item = draft if isinstance(draft, dict) else source.get("sharedShift")
    if not isinstance(item, dict) or not item.get("startDateTime") or not item.get("endDateTime"):
        return None
    moved: dict[str, Any] = {
        key: item[key] for key in ("displayName", "notes") if isinstance(item.get(key), str) and item[key]
    }
    moved.update(
        startDateTime=_moved(item["startDateTime"], offset, zone),
        endDateTime=_moved(item["endDateTime"], offset, zone),
        theme=_sendable(item.get("theme")),
        activities=[_activity(a, offset, zone) for a in item.get("activities") or [] if isinstance(a, dict)],
    )
    return {
        "userId": source.get("userId"),
        "schedulingGroupId": source.get("schedulingGroupId"),
        "draftShift": moved if as_draft else None,
        "sharedShift": None if as_draft else moved,
    }


def _moved(value: str, offset: timedelta, zone: ZoneInfo) -> str:
    local = parse_graph_time(value).astimezone(zone)
    return graph_time(to_utc(local.date() + offset, local.time().replace(tzinfo=None), zone).utc)


def _sendable(theme: Any) -> str:
    return theme if isinstance(theme, str) and theme and theme != "unknownFutureValue" else CLASSIC_FALLBACK_THEME


def _activity(activity: dict[str, Any], offset: timedelta, zone: ZoneInfo) -> dict[str, Any]:
    return {
        "isPaid": bool(activity.get("isPaid")),
        "startDateTime": _moved(str(activity["startDateTime"]), offset, zone),
        "endDateTime": _moved(str(activity["endDateTime"]), offset, zone),
        "code": str(activity.get("code") or ""),
        "displayName": str(activity.get("displayName") or ""),
        "theme": _sendable(activity.get("theme")),
    }


def _span(body: dict[str, Any]) -> tuple[datetime, datetime]:
    item = body["draftShift"] or body["sharedShift"]
    return parse_graph_time(item["startDateTime"]), parse_graph_time(item["endDateTime"])


@dataclass
class Source:
    shift_id: str
    title: str
    body: dict[str, Any]


class CopyJob:
    """One run over a plan's source shifts. `progress` is called as the counts move and once at the end."""

    def __init__(
        self,
        graph: GraphClient,
        store: StateStore,
        user: UserIdentity,
        plan: CopyPlan,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        # One attempt per call: this job decides about every retry itself. The client paces the calls on the team
        # (bot/graph/pacing.py) and pauses the team on a 429, so a retry here waits out Graph's Retry-After.
        self.graph = graph.with_retry(RetryPolicy(max_attempts=1, timeout_seconds=10.0))
        self.schedule = ScheduleService(self.graph)
        self.store = store
        self.user = user
        self.plan = plan
        self.clock = clock
        self.state = JobState()
        self.taken: list[tuple[str, datetime, datetime]] = []  # (user, start, end) in the target days

    def _expiry(self) -> float:
        return self.clock() + RECORD_DAYS * 86400

    async def run(self, sources: list[Source], progress: Progress) -> JobState:
        """Copies each source once; returns the final counts."""
        self.state = JobState(total=len(sources))
        zone = ZoneInfo(self.plan.zone)
        with deadline(3600, patient=True):
            target = await self.schedule.entries(self.user, self.plan.team_id, Window.of(self.plan.target, zone))
        self.taken = [(e.user_id, e.start, e.end) for e in target if e.kind == "shift" and not e.staged_for_deletion]
        report = _Reporter(progress, self.state)
        gate = asyncio.Semaphore(WRITES_IN_FLIGHT)

        async def one(source: Source) -> None:
            async with gate:
                outcome = await self._copy_once(source)
            if outcome == "copied":
                self.state.copied += 1
            elif outcome == "skipped":
                self.state.skipped += 1
            else:
                self.state.failed[source.shift_id] = source.title
            await report.maybe()

        await asyncio.gather(*(one(source) for source in sources))
        self.state.running = False
        await progress(self.state)
        return self.state

    # --- one source shift ------------------------------------------------------------------------------------
    async def _copy_once(self, source: Source) -> str:
        """copied | skipped | failed: from this run or, for a shift already handled, from its record."""
        key = self.plan.shift_key(source.shift_id)
        for _ in range(3):  # a lost conditional write: re-read and decide again
            found = await self.store.get(key)
            claim = {"state": "claimed", "until": self.clock() + CLAIM_SECONDS}
            if found is None:
                etag = await self.store.create(key, claim, expires_at=self._expiry())
                look_first = False
            else:
                state = found.value.get("state")
                if state in ("copied", "skipped"):
                    return str(state)
                if state == "claimed" and float(found.value.get("until") or 0) > self.clock():
                    await asyncio.sleep(float(found.value["until"]) - self.clock())
                    continue  # another runner holds it: wait for its outcome
                # Failed before, or abandoned midway: the POST may have happened.
                etag = await self.store.replace(key, claim, found.etag, expires_at=self._expiry())
                look_first = True
            if etag is None:
                continue
            outcome, detail = await self._copy(source, look_first)
            record = {"state": outcome, **detail}
            if await self.store.replace(key, record, etag, expires_at=self._expiry()) is None:
                log.warning("copy record taken over job=%s shift=%s", self.plan.job_id, source.shift_id)
            return outcome
        return "failed"

    async def _copy(self, source: Source, look_first: bool) -> tuple[str, dict[str, Any]]:
        start, end = _span(source.body)
        user_id = str(source.body.get("userId") or "")
        for attempt in range(1, MAX_TRIES + 1):
            if look_first:
                existing = await self._existing(user_id, start, end)
                if existing is not None:
                    return "copied", {"copyId": existing, "adopted": True}
            if any(u == user_id and s < end and start < e for u, s, e in self.taken):
                return "skipped", {"reason": "overlap"}
            try:
                with deadline(30, patient=True):
                    created = await self.schedule.create_shift(self.user, self.plan.team_id, source.body)
            except GraphThrottled:
                continue  # not processed; the client holds the team until Graph's Retry-After is over
            except GraphUnavailable as error:
                # 5xx or no answer: maybe created. Look before posting again.
                look_first = True
                await asyncio.sleep(error.retry_after if error.retry_after is not None else 0.5 * attempt)
                continue
            except GraphError as error:
                log.warning(
                    "copy refused job=%s status=%s code=%s request-id=%s",
                    self.plan.job_id, error.status, error.code, error.request_id,
                )  # fmt: skip
                return "failed", {"status": error.status, "code": error.inner_code or error.code}
            self.taken.append((user_id, start, end))
            return "copied", {"copyId": str(created.get("id") or "")}
        return "failed", {"status": 429, "code": "gaveUp"}

    async def _existing(self, user_id: str, start: datetime, end: datetime) -> str | None:
        window = Window(start - timedelta(minutes=1), start + timedelta(minutes=1))
        try:
            with deadline(30, patient=True):
                found = await self.schedule.entries(self.user, self.plan.team_id, window)
        except GraphError:
            return None
        same = [e for e in found if e.kind == "shift" and e.user_id == user_id and e.start == start and e.end == end]
        return same[0].entry_id if same else None


class _Reporter:
    """Progress at most every REPORT_SECONDS, so the card is not rewritten 40 times."""

    REPORT_SECONDS = 1.5

    def __init__(self, progress: Progress, state: JobState) -> None:
        self.progress = progress
        self.state = state
        self.last = time.monotonic()

    async def maybe(self) -> None:
        if time.monotonic() - self.last >= self.REPORT_SECONDS and self.state.done < self.state.total:
            self.last = time.monotonic()
            await self.progress(self.state)
