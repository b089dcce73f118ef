"""Wall-clock times typed by the manager, in their zone, to the UTC instants Graph wants, and back.

Daylight-saving days are handled explicitly, never by accident:
- a time that does not exist (the clocks jump forward over it) is moved forward by the jump, e.g. 02:30 on
  2026-03-29 in Europe/Paris is taken as 03:30 (CEST), the reading Python's zoneinfo gives with fold=0;
- a time that happens twice (the clocks go back) is taken at its first occurrence (the summer-time one).
Either way a `ZoneNote` says so, and the card tells the manager before anything is created."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

Adjustment = Literal["gap", "fold"]


@dataclass(frozen=True)
class ZoneNote:
    """A typed time that needed a daylight-saving decision."""

    kind: Adjustment
    typed: datetime  # naive wall-clock time as typed
    used: datetime  # aware local time used (for a gap: later than typed)


@dataclass(frozen=True)
class Instant:
    utc: datetime
    note: ZoneNote | None = None


def load_zone(*names: str | None) -> ZoneInfo:
    """The first of `names` that is a known IANA zone; UTC when none is."""
    for name in names:
        if not name:
            continue
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            continue
    return ZoneInfo("UTC")


def to_utc(day: date, clock: time, zone: ZoneInfo) -> Instant:
    naive = datetime.combine(day, clock)
    first = naive.replace(tzinfo=zone, fold=0)
    second = naive.replace(tzinfo=zone, fold=1)
    utc = first.astimezone(UTC)
    if first.utcoffset() == second.utcoffset():
        return Instant(utc)
    used = utc.astimezone(zone)
    kind: Adjustment = "gap" if used.replace(tzinfo=None) != naive else "fold"
    return Instant(utc, ZoneNote(kind, naive, used))


def next_day_if_not_after(day: date, clock: time, after: time) -> date:
    """Wall-clock arithmetic for an end typed as a time only: at or before the start means the next day."""
    return day + timedelta(days=1) if clock <= after else day


def to_local(utc: datetime, zone: ZoneInfo) -> datetime:
    return utc.astimezone(zone)


def graph_time(utc: datetime) -> str:
    """Edm.DateTimeOffset in UTC with a trailing Z, as Shifts documents it: 2019-03-11T15:00:00Z."""
    return utc.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_graph_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def offset_label(moment: datetime) -> str:
    """'UTC+02:00'."""
    offset = moment.utcoffset() or timedelta(0)
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"
