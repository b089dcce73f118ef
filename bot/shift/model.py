"""The shift form's input ids, and what a valid form becomes before it is sent to Graph."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Final, Literal

from bot.shift.timezones import ZoneNote

KIND = "shift"
TEAM = "shift.team"
MEMBER = "shift.member"
GROUP = "shift.group"
DATE = "shift.date"
START = "shift.start"
END = "shift.end"
LABEL = "shift.label"
NOTES = "shift.notes"
THEME = "shift.theme"
VISIBILITY = "shift.visibility"

BREAKS = "breaks"  # the row group; a row's inputs are breaks.<row>.<field> (FormRecord.remove_row relies on it)
BREAK_FIELDS = ("name", "start", "end", "paid", "code")

PUBLISHED: Final = "published"
DRAFT: Final = "draft"
Visibility = Literal["published", "draft"]

# Graph documents no maximum for these strings; ours keep cards and the Shifts app readable.
MAX_LABEL = 100
MAX_NOTES = 500
MAX_BREAK_NAME = 100
MAX_CODE = 100
MAX_BREAKS = 10

# Verbs and the type-ahead dataset.
VERB_SUBMIT = "shift.submit"
VERB_CONFIRM = "shift.confirm"  # submit again, accepting the daylight-saving readings shown
VERB_ADD = "shift.add"
VERB_REMOVE = "shift.remove"
VERB_CANCEL = "shift.cancel"
VERB_TEAM = "shift.team"  # load another team's members and groups
MEMBERS_DATASET = "shift.members"


def break_input(row: str, name: str) -> str:
    return f"{BREAKS}.{row}.{name}"


@dataclass(frozen=True)
class BreakPlan:
    name: str
    start: datetime  # UTC
    end: datetime  # UTC
    paid: bool
    code: str


@dataclass(frozen=True)
class ShiftPlan:
    """A validated form: everything the Graph call and the confirmation need."""

    team_id: str
    user_id: str
    group_id: str
    start: datetime  # UTC
    end: datetime  # UTC
    label: str
    notes: str
    theme: str
    visibility: Visibility
    breaks: tuple[BreakPlan, ...] = ()
    zone_notes: tuple[ZoneNote, ...] = field(default=(), compare=False)
