"""/openshift (posteouvert): an open shift with a number of slots, for a team's scheduling group.

POST /teams/{id}/schedule/openShifts answers 200 (not 201) with the openShift (NOTES.md §3). The form's time
checks are the shift form's own (dates, clocks, daylight-saving readings, 1 minute to 24 hours)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

from bot import i18n
from bot.flows import ACTION_BUDGET_SECONDS, FormFlow, FormView
from bot.forms import FormRecord
from bot.graph.client import deadline
from bot.graph.errors import GraphError
from bot.i18n import Lang, t
from bot.schedule import model as m
from bot.schedule.service import ScheduleService
from bot.schedule.strings import plural
from bot.services import Services
from bot.shift import model as shift_model
from bot.shift.flow import ShiftFlow, ShiftUnavailable
from bot.shift.parser import parse_args, parse_clock
from bot.shift.strings import format_day
from bot.shift.themes import DEFAULT_THEME
from bot.shift.timezones import graph_time, load_zone, next_day_if_not_after, to_utc
from bot.shift.validation import MAX_DURATION, MIN_DURATION, format_duration, parse_date
from bot.turn import Reply, Turn
from cards.common import notice_card
from cards.schedule import OpenShiftState, number_value, open_shift_done_card, open_shift_form_card

# Input ids.
TEAM, GROUP, DATE, START, END, SLOTS, LABEL, VISIBILITY = (
    "open.team", "open.group", "open.date", "open.start", "open.end", "open.slots", "open.label", "open.visibility",
)  # fmt: skip
MAX_SLOTS = 100  # Graph documents no bound; more than this in one open shift is surely a typo
VERB_SUBMIT, VERB_CANCEL, VERB_TEAM = "openshift.submit", "openshift.cancel", "openshift.team"

i18n.register(
    en={
        "open.title": "New open shift",
        "open.slots": "Slots",
        "open.err.slots": "Enter a number of slots from 1 to {max}.",
        "open.submit": "Create open shift",
        "open.done_published": "Open shift published",
        "open.done_draft": "Open shift saved as a draft",
        "open.fact_slots": "Slots",
    },
    fr={
        "open.title": "Nouveau poste ouvert",
        "open.slots": "Places",
        "open.err.slots": "Saisissez un nombre de places de 1 à {max}.",
        "open.submit": "Créer le poste ouvert",
        "open.done_published": "Poste ouvert publié",
        "open.done_draft": "Poste ouvert enregistré comme brouillon",
        "open.fact_slots": "Places",
    },
)


def whole_number(text: str) -> int:
    """'3' or '3.0' (hosts post a Number input either way); 0 for anything else."""
    return number_value(text) or 0


class OpenShiftFlow(FormFlow):
    kind = m.OPEN_KIND
    row_limits: ClassVar[Mapping[str, int]] = {}

    def __init__(self, services: Services, shift_flow: ShiftFlow) -> None:
        super().__init__(services)
        self.shift_flow = shift_flow
        self.schedule = ScheduleService(services.graph)

    async def start(self, turn: Turn, args: str) -> Reply:
        try:
            with deadline(ACTION_BUDGET_SECONDS):
                choices, args = await self.shift_flow._team_choices(turn, args)
                data, skipped = await self.shift_flow._first_schedulable(turn, choices)
                team, schedule = data.team, data.schedule
                groups = await self.shift_flow.directory.active_groups(turn.user, team.team_id)
                unusable = {team_id for team_id, _ in skipped.values()}
                teams = [option for option in choices if option.team_id not in unusable]
        except ShiftUnavailable as problem:
            return Reply.new_card(notice_card(turn.lang, t(turn.lang, "open.title"), [problem.message]))
        except GraphError as error:
            view = self.explain(error, turn.lang)
            return Reply.new_card(
                notice_card(turn.lang, t(turn.lang, "open.title"), [view.banner or ""], error.request_id)
            )
        zone = str(load_zone(turn.timezone, schedule.time_zone))
        values = self._prefill(args, zone, [(g.name, g.group_id) for g in groups])
        values[TEAM] = team.team_id
        context: dict[str, Any] = {
            "teamId": team.team_id,
            "teamName": team.name,
            "zone": zone,
            "groups": [[g.name, g.group_id] for g in groups],
            "teams": [[option.name, option.team_id] for option in teams],
        }
        return await self.open(turn, values, **context)

    async def switch_team(self, turn: Turn) -> Reply:
        """Another of the manager's teams: its scheduling groups and zone."""
        record = await self.load_for_edit(turn)
        if isinstance(record, Reply):
            return record
        names = {team_id: name for name, team_id in record.context.get("teams") or []}
        wanted = str(record.values.get(TEAM) or "")
        if wanted not in names:
            return Reply.in_place(self.render_form(record, turn.lang, FormView()))
        try:
            with deadline(ACTION_BUDGET_SECONDS):
                schedule = await self.shift_flow.directory.schedule(turn.user, wanted)
                groups = await self.shift_flow.directory.active_groups(turn.user, wanted)
        except GraphError as error:
            return Reply.in_place(self.render_form(record, turn.lang, self.explain(error, turn.lang)))
        record.context.update(
            teamId=wanted,
            teamName=names[wanted],
            zone=str(load_zone(turn.timezone, schedule.time_zone)),
            groups=[[g.name, g.group_id] for g in groups],
        )
        if record.values.get(GROUP) not in {g.group_id for g in groups}:
            record.values.pop(GROUP, None)
        await self.forms.save(record)
        view = FormView(banner=t(turn.lang, "shift.team_loaded", team=names[wanted]), banner_color="Good")
        return Reply.in_place(self.render_form(record, turn.lang, view))

    @staticmethod
    def _prefill(args: str, zone: str, groups: list[tuple[str, str]]) -> dict[str, Any]:
        today = datetime.now(UTC).astimezone(load_zone(zone)).date()
        parsed = parse_args(args, today)
        values: dict[str, Any] = {
            DATE: (parsed.day or today).isoformat(),
            VISIBILITY: shift_model.PUBLISHED,
            SLOTS: "1",
        }
        if parsed.start and parsed.end:
            values.update({START: parsed.start.strftime("%H:%M"), END: parsed.end.strftime("%H:%M")})
        if parsed.label:
            values[LABEL] = parsed.label
        numbers = [w for w in parsed.words if w.isdigit()]
        if numbers:
            values[SLOTS] = numbers[0]
        words = " ".join(w for w in parsed.words if not w.isdigit()).casefold()
        found = [group_id for name, group_id in groups if name.casefold() in words] if words else []
        if len(found) == 1:
            values[GROUP] = found[0]
        return values

    # --- FormFlow ----------------------------------------------------------------------------------------------
    def render_form(self, record: FormRecord, lang: Lang, view: FormView) -> dict[str, Any]:
        state = OpenShiftState(
            form_id=record.form_id,
            values=record.values,
            team=str(record.context.get("teamName") or ""),
            teams=[(str(a), str(b)) for a, b in record.context.get("teams") or []],
            groups=[(str(a), str(b)) for a, b in record.context.get("groups") or []],
            zone=str(record.context.get("zone") or "UTC"),
            max_slots=MAX_SLOTS,
        )
        return open_shift_form_card(state, view, lang)

    def render_done(self, record: FormRecord, lang: Lang) -> dict[str, Any]:
        result = record.result or {}
        zone = load_zone(result.get("zone"))
        start = datetime.fromisoformat(result["start"].replace("Z", "+00:00")).astimezone(zone)
        end = datetime.fromisoformat(result["end"].replace("Z", "+00:00")).astimezone(zone)
        published = result.get("visibility") == shift_model.PUBLISHED
        facts = [
            (t(lang, "shift.fact_team"), result.get("team") or ""),
            (t(lang, "shift.fact_group"), result.get("group") or ""),
            (t(lang, "shift.fact_date"), format_day(start.date(), lang)),
            (t(lang, "shift.fact_time"), t(lang, "shift.time_range", start=start.strftime("%H:%M"),
                                           end=end.strftime("%H:%M"), zone=str(zone))),
            (t(lang, "open.fact_slots"), plural(lang, "schedule.slots", int(result.get("slots") or 0))),
            (t(lang, "shift.fact_label"), result.get("label") or ""),
            (t(lang, "shift.fact_id"), result.get("id") or ""),
        ]  # fmt: skip
        title = t(lang, "open.done_published" if published else "open.done_draft")
        return open_shift_done_card(title, [(a, b) for a, b in facts if b], lang)

    def validate(self, record: FormRecord, lang: Lang) -> tuple[dict[str, Any] | None, dict[str, str]]:
        values, errors = record.values, {}
        text = {key: str(values.get(key) or "").strip() for key in (GROUP, DATE, START, END, SLOTS, LABEL, VISIBILITY)}
        groups = {group_id for _, group_id in record.context.get("groups") or []}
        if str(values.get(TEAM) or record.context["teamId"]) != record.context["teamId"]:
            errors[TEAM] = t(lang, "shift.err.team_changed")
        if text[GROUP] not in groups:
            errors[GROUP] = t(lang, "shift.err.group_required" if not text[GROUP] else "shift.err.group_unknown")
        day = parse_date(text[DATE])
        if day is None:
            errors[DATE] = t(lang, "shift.err.date")
        clocks = {key: parse_clock(text[key]) for key in (START, END)}
        errors.update({key: t(lang, "shift.err.time") for key, clock in clocks.items() if clock is None})
        slots = whole_number(text[SLOTS])
        if not 1 <= slots <= MAX_SLOTS:
            errors[SLOTS] = t(lang, "open.err.slots", max=MAX_SLOTS)
        if len(text[LABEL]) > shift_model.MAX_LABEL:
            errors[LABEL] = t(lang, "shift.err.too_long", max=shift_model.MAX_LABEL)
        start_clock, end_clock = clocks[START], clocks[END]
        if day is None or start_clock is None or end_clock is None:
            return None, errors
        zone = load_zone(record.context.get("zone"))
        start = to_utc(day, start_clock, zone).utc
        end = to_utc(next_day_if_not_after(day, end_clock, start_clock), end_clock, zone).utc
        if not MIN_DURATION <= end - start <= MAX_DURATION:
            errors[END] = t(lang, "shift.err.duration", duration=format_duration(end - start, lang))
        if errors:
            return None, errors
        visibility = shift_model.DRAFT if text[VISIBILITY] == shift_model.DRAFT else shift_model.PUBLISHED
        payload = {"group": text[GROUP], "start": start, "end": end, "slots": slots, "label": text[LABEL],
                   "visibility": visibility}  # fmt: skip
        return payload, {}

    async def create(self, turn: Turn, record: FormRecord, payload: dict[str, Any]) -> dict[str, Any] | FormView:
        item: dict[str, Any] = {
            "startDateTime": graph_time(payload["start"]),
            "endDateTime": graph_time(payload["end"]),
            "theme": DEFAULT_THEME,
            "openSlotCount": payload["slots"],
            "activities": [],
        }
        if payload["label"]:
            item["displayName"] = payload["label"]
        published = payload["visibility"] == shift_model.PUBLISHED
        body = {
            "schedulingGroupId": payload["group"],
            "sharedOpenShift": item if published else None,
            "draftOpenShift": None if published else item,
        }
        created = await self.schedule.create_open_shift(turn.user, str(record.context["teamId"]), body)
        groups = {group_id: name for name, group_id in record.context.get("groups") or []}
        return {
            "id": str(created.get("id") or ""),
            "team": str(record.context.get("teamName") or ""),
            "group": groups.get(payload["group"], payload["group"]),
            "zone": str(record.context.get("zone") or "UTC"),
            "start": graph_time(payload["start"]),
            "end": graph_time(payload["end"]),
            "slots": payload["slots"],
            "label": payload["label"],
            "visibility": payload["visibility"],
        }

    def explain(self, error: GraphError, lang: Lang) -> FormView:
        return self.shift_flow.explain(error, lang)
