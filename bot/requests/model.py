"""Typed views of what Graph returns for the requests inbox (NOTES.md §2 scheduleChangeRequest family)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

Collection = Literal["timeOffRequests", "swapShiftsChangeRequests", "offerShiftRequests", "openShiftChangeRequests"]
COLLECTIONS: tuple[Collection, ...] = (
    "timeOffRequests",
    "swapShiftsChangeRequests",
    "offerShiftRequests",
    "openShiftChangeRequests",
)
Action = Literal["approve", "decline"]


def parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _text(raw: dict[str, Any], name: str) -> str:
    value = raw.get(name)
    return value if isinstance(value, str) else ""


@dataclass(frozen=True)
class Span:
    """A shift or open shift as the inbox shows it."""

    item_id: str
    user_id: str
    label: str
    start: datetime
    end: datetime
    open_slots: int = 0

    def overlaps(self, start: datetime, end: datetime) -> bool:
        return self.start < end and start < self.end

    @staticmethod
    def of_shift(raw: dict[str, Any]) -> Span | None:
        return Span._of(raw, raw.get("sharedShift") or raw.get("draftShift"))

    @staticmethod
    def of_draft(raw: dict[str, Any]) -> Span | None:
        """The unpublished version of a shift, if it has one."""
        return Span._of(raw, raw.get("draftShift"))

    @staticmethod
    def of_open_shift(raw: dict[str, Any]) -> Span | None:
        return Span._of(raw, raw.get("sharedOpenShift") or raw.get("draftOpenShift"))

    @staticmethod
    def _of(raw: dict[str, Any], item: Any) -> Span | None:
        if not isinstance(item, dict):
            return None
        start, end = parse_time(item.get("startDateTime")), parse_time(item.get("endDateTime"))
        if start is None or end is None:
            return None
        slots = item.get("openSlotCount")
        label = _text(item, "displayName")
        return Span(_text(raw, "id"), _text(raw, "userId"), label, start, end, slots if isinstance(slots, int) else 0)


@dataclass(frozen=True)
class ChangeRequest:
    collection: Collection
    request_id: str
    team_id: str
    state: str
    assigned_to: str
    sender_id: str
    sender_message: str
    sent_at: datetime | None
    recipient_id: str = ""
    recipient_message: str = ""
    start: datetime | None = None  # time off
    end: datetime | None = None
    reason_id: str = ""
    sender_shift_id: str = ""
    recipient_shift_id: str = ""
    open_shift_id: str = ""
    manager_id: str = ""

    @property
    def waiting_for_recipient(self) -> bool:
        return self.assigned_to == "recipient"

    @staticmethod
    def of(collection: Collection, team_id: str, raw: dict[str, Any]) -> ChangeRequest:
        return ChangeRequest(
            collection=collection,
            request_id=_text(raw, "id"),
            team_id=team_id,
            state=_text(raw, "state"),
            assigned_to=_text(raw, "assignedTo"),
            sender_id=_text(raw, "senderUserId"),
            sender_message=_text(raw, "senderMessage"),
            sent_at=parse_time(raw.get("senderDateTime")),
            recipient_id=_text(raw, "recipientUserId"),
            recipient_message=_text(raw, "recipientActionMessage"),
            start=parse_time(raw.get("startDateTime")),
            end=parse_time(raw.get("endDateTime")),
            reason_id=_text(raw, "timeOffReasonId"),
            sender_shift_id=_text(raw, "senderShiftId"),
            recipient_shift_id=_text(raw, "recipientShiftId"),
            open_shift_id=_text(raw, "openShiftId"),
            manager_id=_text(raw, "managerUserId"),
        )


@dataclass(frozen=True)
class Reason:
    reason_id: str
    name: str
    active: bool


@dataclass
class TeamInbox:
    """One team's pending requests and what is needed to describe them."""

    team_id: str
    team_name: str
    zone: str  # the schedule's time zone (IANA), or "" when Graph has none
    requests: list[ChangeRequest] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)  # userId -> displayName
    reasons: dict[str, Reason] = field(default_factory=dict)
    shifts: dict[str, Span] = field(default_factory=dict)
    open_shifts: dict[str, Span] = field(default_factory=dict)

    def conflicts(self, request: ChangeRequest) -> list[Span]:
        """The sender's shifts that a time-off request overlaps."""
        if request.collection != "timeOffRequests" or request.start is None or request.end is None:
            return []
        start, end = request.start, request.end
        found = [s for s in self.shifts.values() if s.user_id == request.sender_id and s.overlaps(start, end)]
        return sorted(found, key=lambda span: span.start)
