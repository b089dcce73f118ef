"""The schedule desk's ids, verbs and typed entries: what Graph returned, in UTC, ready to be shown or acted on."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Final, Literal

KIND = "schedule"  # the stored view of a /schedule card
OPEN_KIND = "openshift"

# Inputs of the schedule card.
DATE = "schedule.date"
PERIOD = "schedule.period"
MEMBER = "schedule.member"
GROUP = "schedule.group"
TEAM = "schedule.team"
PICK = "schedule.pick"  # the shift to act on
TARGET_DATE = "schedule.targetDate"
NOTIFY = "schedule.notify"
AS_DRAFT = "schedule.asDraft"

DAY: Final = "day"
WEEK: Final = "week"
Period = Literal["day", "week"]

# Verbs.
VERB_SHOW = "schedule.show"
VERB_PREVIOUS = "schedule.previous"
VERB_NEXT = "schedule.next"
VERB_PAGE = "schedule.page"
VERB_EDIT = "schedule.edit"
VERB_DELETE = "schedule.delete"
VERB_DELETE_CONFIRM = "schedule.deleteConfirm"
VERB_COPY = "schedule.copy"
VERB_BACK = "schedule.back"
VERB_PUBLISH = "schedule.publish"
VERB_PUBLISH_CONFIRM = "schedule.publishConfirm"
VERB_COPY_RANGE = "schedule.copyRange"
VERB_COPY_RANGE_CONFIRM = "schedule.copyRangeConfirm"
VERB_COPY_RETRY = "schedule.copyRetry"

# How far from today a manager may look or write: beyond, it is almost surely a typo.
MAX_DAYS_AWAY = 366
PAGE_SIZE = 40  # lines per page of the schedule card: a 40-shift week fits one card well under 28 KB
TIME_OFF_LOOKBACK = timedelta(days=14)  # time off that started up to this long before the range still shows

EntryKind = Literal["shift", "open", "timeoff"]


@dataclass(frozen=True)
class Entry:
    """A shift, an open shift or a time off, as the manager sees it: the draft when there is one (pending
    changes), else the shared item."""

    kind: EntryKind
    entry_id: str
    start: datetime  # UTC
    end: datetime  # UTC
    user_id: str = ""
    group_id: str = ""
    label: str = ""
    theme: str = "white"
    draft: bool = False  # has unpublished changes (or was never published)
    slots: int = 0  # open shifts
    reason_id: str = ""  # time off
    last_modified: str = ""
    staged_for_deletion: bool = False
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class Range:
    first: date
    days: int

    @property
    def last(self) -> date:
        return self.first + timedelta(days=self.days - 1)

    @staticmethod
    def of(day: date, period: Period) -> Range:
        if period == WEEK:
            return Range(day - timedelta(days=day.weekday()), 7)
        return Range(day, 1)

    @property
    def period(self) -> Period:
        return WEEK if self.days == 7 else DAY

    def moved(self, steps: int) -> Range:
        return Range(self.first + timedelta(days=self.days * steps), self.days)
