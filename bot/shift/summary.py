"""Wording of what was created, and of daylight-saving readings, in the reader's language and local time.

The stored result keeps UTC instants and the zone name, so that the confirmation can be rebuilt, in any
language, for a later press of a stale button."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.i18n import Lang, t
from bot.shift import model as m
from bot.shift.strings import format_day
from bot.shift.themes import theme_name
from bot.shift.timezones import ZoneNote, graph_time, load_zone, offset_label, parse_graph_time
from bot.shift.validation import format_duration
from cards.shift import ShiftSummary


def result_of(plan: m.ShiftPlan, created: dict[str, Any], names: dict[str, str], zone: str) -> dict[str, Any]:
    """What to keep once Graph has answered: JSON only."""
    return {
        "id": str(created.get("id") or ""),
        "team": names.get("team", ""),
        "member": names.get("member", plan.user_id),
        "group": names.get("group", plan.group_id),
        "zone": zone,
        "start": graph_time(plan.start),
        "end": graph_time(plan.end),
        "label": plan.label,
        "notes": plan.notes,
        "theme": plan.theme,
        "visibility": plan.visibility,
        "breaks": [{**asdict(b), "start": graph_time(b.start), "end": graph_time(b.end)} for b in plan.breaks],
        "zoneNotes": [zone_note_key(note) for note in plan.zone_notes],
    }


def summary_of(result: dict[str, Any], lang: Lang) -> ShiftSummary:
    zone = load_zone(result.get("zone"))
    start = parse_graph_time(result["start"]).astimezone(zone)
    end = parse_graph_time(result["end"]).astimezone(zone)
    published = result.get("visibility") == m.PUBLISHED
    pairs = [
        (t(lang, "shift.fact_team"), result.get("team") or ""),
        (t(lang, "shift.fact_member"), result.get("member") or ""),
        (t(lang, "shift.fact_group"), result.get("group") or ""),
        (t(lang, "shift.fact_date"), format_day(start.date(), lang)),
        (t(lang, "shift.fact_time"), time_range(start, end, str(zone), lang)),
        (t(lang, "shift.fact_duration"), format_duration(end - start, lang)),
    ]
    if result.get("label"):
        pairs.append((t(lang, "shift.fact_label"), result["label"]))
    pairs.append((t(lang, "shift.fact_theme"), theme_name(result.get("theme") or "", lang)))
    pairs += [(t(lang, "shift.fact_break"), break_line(b, start, zone, lang)) for b in result.get("breaks") or []]
    if result.get("notes"):
        pairs.append((t(lang, "shift.fact_notes"), result["notes"]))
    status = "shift.status_published" if published else "shift.status_draft"
    pairs += [(t(lang, "shift.fact_status"), t(lang, status)), (t(lang, "shift.fact_id"), result.get("id") or "")]
    return ShiftSummary(
        title=t(
            lang,
            "shift.done_updated"
            if result.get("replaced")
            else "shift.done_published"
            if published
            else "shift.done_draft",
        ),
        note=t(lang, "shift.done_published_note" if published else "shift.done_draft_note"),
        facts=[(title, value) for title, value in pairs if value],
        lines=[zone_note_text(note, str(zone), lang) for note in result.get("zoneNotes") or []],
    )


def clock(moment: datetime, day_of_start: datetime, lang: Lang) -> str:
    text = moment.strftime("%H:%M")
    return t(lang, "shift.next_day", time=text) if moment.date() > day_of_start.date() else text


def time_range(start: datetime, end: datetime, zone: str, lang: Lang) -> str:
    return t(lang, "shift.time_range", start=clock(start, start, lang), end=clock(end, start, lang), zone=zone)


def break_line(item: dict[str, Any], shift_start: datetime, zone: ZoneInfo, lang: Lang) -> str:
    start = parse_graph_time(item["start"]).astimezone(zone)
    end = parse_graph_time(item["end"]).astimezone(zone)
    values = {
        "name": item.get("name") or "",
        "start": clock(start, shift_start, lang),
        "end": clock(end, shift_start, lang),
        "paid": t(lang, "shift.paid" if item.get("paid") else "shift.unpaid"),
    }
    if item.get("code"):
        return t(lang, "shift.break_code_line", code=item["code"], **values)
    return t(lang, "shift.break_line", **values)


def zone_note_key(note: ZoneNote) -> dict[str, str]:
    return {"kind": note.kind, "typed": note.typed.isoformat(), "used": note.used.isoformat()}


def zone_note_text(note: dict[str, str], zone: str, lang: Lang) -> str:
    typed = datetime.fromisoformat(note["typed"])
    used = datetime.fromisoformat(note["used"])
    shown_used = f"{used.strftime('%H:%M')} ({offset_label(used)})"
    key = "shift.zone_gap" if note["kind"] == "gap" else "shift.zone_fold"
    return t(lang, key, typed=typed.strftime("%H:%M"), day=format_day(typed.date(), lang), zone=zone, used=shown_used)


def check_text(check: dict[str, str], zone: str, names: dict[str, dict[str, str]], lang: Lang) -> str:
    """One thing the manager is asked to confirm before the shift is created (see ShiftFlow._checks)."""
    kind = check.get("kind")
    if kind in ("gap", "fold"):
        return zone_note_text(check, zone, lang)
    if kind == "past":
        start = parse_graph_time(check["start"]).astimezone(load_zone(zone))
        return t(lang, "shift.check_past", day=f"{format_day(start.date(), lang)} {start.strftime('%H:%M')}")
    if kind == "full_day":
        return t(lang, "shift.check_full_day")
    member = names["members"].get(check.get("user", ""), check.get("user", ""))
    if kind == "group":
        return t(lang, "shift.check_group", member=member, group=names["groups"].get(check["group"], check["group"]))
    local = load_zone(zone)
    start = parse_graph_time(check["start"]).astimezone(local)
    end = parse_graph_time(check["end"]).astimezone(local)
    when = f"{format_day(start.date(), lang)}, {time_range(start, end, zone, lang)}"
    key = {"timeOff": "shift.check_time_off", "draft": "shift.check_draft"}.get(str(kind), "shift.check_shift")
    return t(lang, key, member=member, when=when)
