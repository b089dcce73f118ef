"""Writes sandbox/fixture-week.json: sandbox/fixture.json plus a realistic working week (Mon 7 - Fri 11 December
2026) on two scheduled teams: about 40 shifts, some drafts, breaks, an overnight shift, open shifts and time off.

    python tools/make_fixture_week.py   # deterministic: same ids and times on every run

The plain fixture stays small on purpose: the create-form tests count the shifts of Contoso Retail."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
MONDAY = date(2026, 12, 7)
NAMESPACE = uuid.UUID("7d1c6f3e-0a55-4c1b-9d7e-3b4a5c6d7e8f")

ADELE, MEGAN, ALEX, LYNNE, ISAIAH, PATTI = (
    "6e1a9b1c-2d4f-4e37-9a8b-1c2d3e4f5a61",
    "c5d0c76b-80c4-481c-be50-923cd8d680a1",
    "3f8c2a17-5b6d-4e9f-8a1c-7d2e3b4c5a62",
    "8d4e1f3a-6c7b-4d2e-9f1a-2b3c4d5e6f63",
    "b7a9c1d2-3e4f-4a5b-8c6d-9e0f1a2b3c64",
    "4c6e8a0b-2d1f-4e3a-9b5c-7d8e9f0a1b65",
)
MEMBERS_OF_RETAIL = (ADELE, MEGAN, ALEX, LYNNE, ISAIAH, PATTI)
RETAIL = "e2a4b6c8-1d3f-4a5b-9c7d-0e1f2a3b4c5d"
FRONT, KITCHEN, DELIVERY = (
    "TAG_228940ed-ff84-4e25-b129-1b395cf78be0",
    "TAG_a63e4241-9a2d-4a99-aaf5-932363df01d0",
    "TAG_af8dec49-6d74-44a2-a3e4-0a34c0306e04",
)
BAKERY = "5b0e7c2a-8f1d-4c3e-a6b9-2d4f6a8c0e13"
OVENS, COUNTER = "TAG_0c6f1e2d-3b4a-4d5c-8e7f-9a0b1c2d3e41", "TAG_1d7a2f3e-4c5b-4e6d-9f8a-0b1c2d3e4f52"
VACATION, SICK, TRAINING = (
    "TOR_3a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c01",
    "TOR_4b2c3d4e-5f6a-4b7c-9d8e-0f1a2b3c4d02",
    "TOR_5c3d4e5f-6a7b-4c8d-8e9f-1a2b3c4d5e03",
)
CREATED = "2026-11-30T09:00:00.000Z"

# (day offset, group, member, start, end, label, theme, draft, break (start, end) or None)
RETAIL_WEEK = (
    [(d, FRONT, MEGAN, "08:00", "16:00", "Opening", "blue", d == 4, ("12:00", "12:30")) for d in range(5)]
    + [(d, FRONT, ALEX, "12:00", "20:00", "Closing", "darkBlue", d == 4, ("16:00", "16:30")) for d in range(5)]
    + [(d, KITCHEN, LYNNE, "07:00", "15:00", "Prep", "green", False, None) for d in (0, 1, 2)]
    + [(d, KITCHEN, PATTI, "15:00", "23:00", "Dinner", "darkGreen", d >= 3, ("19:00", "19:30")) for d in range(5)]
    + [(d, DELIVERY, ISAIAH, "11:00", "19:00", "Rounds", "yellow", False, None) for d in range(5)]
    + [
        (2, KITCHEN, MEGAN, "22:00", "06:00", "Night clean", "purple", False, None),
        (4, KITCHEN, LYNNE, "07:00", "15:00", "Prep", "green", True, None),
    ]
)
BAKERY_WEEK = (
    [(d, OVENS, PATTI, "05:00", "13:00", "Bake", "pink", d == 4, None) for d in range(5)]
    + [(d, COUNTER, MEGAN, "07:00", "15:00", "Counter", "gray", False, ("11:00", "11:30")) for d in range(5)]
    + [(d, COUNTER, ALEX, "13:00", "19:00", "Counter late", "darkYellow", d >= 3, None) for d in (0, 2, 3, 4)]
)


def utc(day: date, clock: str, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.fromisoformat(clock), zone).astimezone(UTC)


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def span(day: date, start: str, end: str, zone: ZoneInfo) -> tuple[datetime, datetime]:
    begins = utc(day, start, zone)
    end_day = day + timedelta(days=1) if time.fromisoformat(end) <= time.fromisoformat(start) else day
    return begins, utc(end_day, end, zone)


def stable_id(prefix: str, *parts: object) -> str:
    return f"{prefix}_{uuid.uuid5(NAMESPACE, '/'.join(map(str, parts)))}"


def shift(
    team: str, zone: ZoneInfo, row: tuple[Any, ...], names: dict[str, str], groups: dict[str, str]
) -> dict[str, Any]:
    offset, group, member, start, end, label, theme, draft, pause = row
    day = MONDAY + timedelta(days=offset)
    begins, ends = span(day, start, end, zone)
    activities = []
    if pause:
        b_start, b_end = span(day, pause[0], pause[1], zone)
        activities.append(
            {
                "isPaid": False,
                "startDateTime": iso(b_start),
                "endDateTime": iso(b_end),
                "code": "",
                "displayName": "Break",
                "theme": "white",
            }
        )
    item = {
        "displayName": label,
        "notes": None,
        "startDateTime": iso(begins),
        "endDateTime": iso(ends),
        "theme": theme,
        "activities": activities,
    }
    identity = {
        "application": None,
        "device": None,
        "conversation": None,
        "user": {"id": ADELE, "displayName": "Adele Vance"},
    }
    return {
        "id": stable_id("SHFT", team, offset, member, start),
        "createdDateTime": CREATED,
        "lastModifiedDateTime": CREATED,
        "createdBy": identity,
        "lastModifiedBy": identity,
        "userId": member,
        "schedulingGroupId": group,
        "isStagedForDeletion": False,
        "draftShift": item if draft else None,
        "sharedShift": None if draft else item,
        "schedulingGroupInfo": {"schedulingGroupId": group, "displayName": groups[group], "code": None},
        "teamInfo": {"teamId": team, "displayName": names["team"]},
        "userInfo": {"userId": member, "displayName": names[member]},
    }


def open_shift(
    team: str, zone: ZoneInfo, offset: int, group: str, start: str, end: str, slots: int, draft: bool, label: str
) -> dict[str, Any]:
    begins, ends = span(MONDAY + timedelta(days=offset), start, end, zone)
    item = {
        "displayName": label, "notes": None, "startDateTime": iso(begins), "endDateTime": iso(ends),
        "theme": "white", "activities": [], "openSlotCount": slots,
    }  # fmt: skip
    return {
        "id": stable_id("OPNSHFT", team, offset, group, start),
        "createdDateTime": CREATED, "lastModifiedDateTime": CREATED,
        "schedulingGroupId": group, "isStagedForDeletion": False,
        "draftOpenShift": item if draft else None, "sharedOpenShift": None if draft else item,
    }  # fmt: skip


def time_off(
    team: str, zone: ZoneInfo, offset: int, days: int, member: str, reason: str, draft: bool
) -> dict[str, Any]:
    day = MONDAY + timedelta(days=offset)
    item = {
        "startDateTime": iso(utc(day, "00:00", zone)),
        "endDateTime": iso(utc(day + timedelta(days=days), "00:00", zone)),
        "theme": "white",
        "timeOffReasonId": reason,
    }
    return {
        "id": stable_id("SHFT_TO", team, offset, member),
        "createdDateTime": CREATED, "lastModifiedDateTime": CREATED,
        "userId": member, "isStagedForDeletion": False,
        "draftTimeOff": item if draft else None, "sharedTimeOff": None if draft else item,
    }  # fmt: skip


def reasons() -> list[dict[str, Any]]:
    return [
        {"id": VACATION, "displayName": "Vacation", "iconType": "plane", "isActive": True, "code": None},
        {"id": SICK, "displayName": "Sick", "iconType": "firstAid", "isActive": True, "code": None},
        {"id": TRAINING, "displayName": "Training (old)", "iconType": "clock", "isActive": False, "code": None},
    ]


def build() -> dict[str, Any]:
    fixture = json.loads((ROOT / "sandbox" / "fixture.json").read_text(encoding="utf-8"))
    fixture["$comment"] = "Generated by tools/make_fixture_week.py from fixture.json: the week of 7 December 2026."
    users = {u["id"]: u["displayName"] for u in fixture["users"]}
    retail = next(team for team in fixture["teams"] if team["id"] == RETAIL)
    paris = ZoneInfo(retail["schedule"]["timeZone"])
    retail_groups = {g["id"]: g["displayName"] for g in retail["schedulingGroups"]}
    retail["shifts"] = [
        shift(RETAIL, paris, row, {**users, "team": retail["displayName"]}, retail_groups) for row in RETAIL_WEEK
    ]
    retail["openShifts"] = [
        open_shift(RETAIL, paris, 1, DELIVERY, "17:00", "21:00", 2, False, "Evening rounds"),
        open_shift(RETAIL, paris, 5, FRONT, "09:00", "13:00", 1, True, "Saturday morning"),
    ]
    retail["timesOff"] = [
        time_off(RETAIL, paris, 3, 1, LYNNE, VACATION, False),
        time_off(RETAIL, paris, 4, 1, ISAIAH, SICK, True),
    ]
    retail["timeOffReasons"] = reasons()
    toronto = ZoneInfo("America/Toronto")
    bakery_groups = {OVENS: "Ovens", COUNTER: "Counter"}
    bakery = {
        "id": BAKERY,
        "displayName": "Northwind Bakery",
        "description": "The bakery next door: ovens at dawn, the counter all day.",
        "internalId": "19:northwind-bakery@thread.tacv2",
        "members": [{"userId": ADELE, "roles": ["owner"]}] + [{"userId": u, "roles": []} for u in (MEGAN, ALEX, PATTI)],
        "schedule": {
            "enabled": True,
            "timeZone": "America/Toronto",
            "provisionStatus": "Completed",
            "provisionStatusCode": None,
        },
        "schedulingGroups": [
            {"id": OVENS, "displayName": "Ovens", "code": "OVENS", "isActive": True, "userIds": [PATTI, ADELE]},
            {
                "id": COUNTER,
                "displayName": "Counter",
                "code": "COUNTER",
                "isActive": True,
                "userIds": [MEGAN, ALEX, ADELE],
            },
        ],
        "shifts": [
            shift(BAKERY, toronto, row, {**users, "team": "Northwind Bakery"}, bakery_groups) for row in BAKERY_WEEK
        ],
        "openShifts": [open_shift(BAKERY, toronto, 5, OVENS, "05:00", "11:00", 1, False, "Saturday bake")],
        "timesOff": [time_off(BAKERY, toronto, 1, 1, ALEX, VACATION, False)],
        "timeOffReasons": reasons(),
    }
    fixture["teams"].insert(1, bakery)
    return fixture


if __name__ == "__main__":
    out = ROOT / "sandbox" / "fixture-week.json"
    out.write_text(json.dumps(build(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(out)
