"""The schedule card (a day or a week of a team), and the confirmations of the schedule desk: delete, publish.

Pure functions of a view model, already worded in the reader's language by the feature. Names, labels and
reasons come from people and from Graph: they are data, never markup, so they go in literal text runs. Actions that
need no input send none (associatedInputs: none), so the host's checks never block them; the shift picker is not
required on the card (the server says when nothing was picked)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import microsoft_teams.cards as ac

from bot.i18n import Lang, t
from cards.common import envelope, facts, heading, literal, paragraph
from cards.forms import (
    Choices,
    banner,
    choice_field,
    confirmation_card,
    date_field,
    execute,
    field_error,
    form_card,
    section,
    text_field,
    time_field,
)

ALL = "*"  # the "everyone" / "all groups" choice


@dataclass(frozen=True)
class Line:
    text: str  # shown literally (names and labels are data, not markup)
    draft: bool = False


@dataclass(frozen=True)
class DayBlock:
    title: str
    lines: list[Line]


@dataclass(frozen=True)
class ScheduleView:
    form_id: str
    title: str
    subtitle: str
    counts: str
    days: list[DayBlock]
    period: str  # "day" | "week"
    date: str  # ISO
    member: str  # user id or ALL
    group: str  # group id or ALL
    team: str
    teams: Choices
    members: Choices
    groups: Choices
    picks: Choices  # (title, shift id): the shifts of this page
    page: int = 1
    pages: int = 1
    has_drafts: bool = False
    empty: str = ""
    notices: list[str] = field(default_factory=list)
    banner: str | None = None
    banner_color: str = "Attention"


def schedule_card(view: ScheduleView, lang: Lang) -> dict[str, Any]:
    body: list[ac.CardElement] = [literal(view.title, size="Large", weight="Bolder")]  # a team name is data
    if view.banner:
        body += banner(view.banner, color=view.banner_color)
    body += [paragraph(notice, color="Warning") for notice in view.notices]
    body += [paragraph(view.subtitle, subtle=True), paragraph(view.counts)]
    if view.pages > 1:
        body.append(paragraph(t(lang, "schedule.page", page=view.page, pages=view.pages), subtle=True))
    body += _days(view)
    if not view.days:
        body.append(paragraph(view.empty, subtle=True))
    body += _navigation(view, lang)
    body += _pick_part(view, lang)
    body += _filters(view, lang)
    return envelope(body, _bottom_actions(view, lang))


def _days(view: ScheduleView) -> list[ac.CardElement]:
    elements: list[ac.CardElement] = []
    for day in view.days:
        elements.append(section(day.title))
        elements += [literal(line.text, spacing="None", color="Accent" if line.draft else None) for line in day.lines]
    return elements


def _navigation(view: ScheduleView, lang: Lang) -> list[ac.CardElement]:
    unit = "week" if view.period == "week" else "day"
    previous_key = "schedule.previous_week" if unit == "week" else "schedule.previous_day"
    next_key = "schedule.next_week" if unit == "week" else "schedule.next_day_button"
    actions: list[ac.Action] = [
        execute(t(lang, previous_key), "schedule.previous", view.form_id, send_inputs=False),
        execute(t(lang, next_key), "schedule.next", view.form_id, send_inputs=False),
    ]
    if view.page > 1:
        extra = {"page": view.page - 1}
        actions.append(execute(t(lang, "schedule.previous_page"), "schedule.page", view.form_id, extra=extra))
    if view.page < view.pages:
        extra = {"page": view.page + 1}
        actions.append(execute(t(lang, "schedule.next_page"), "schedule.page", view.form_id, extra=extra))
    return [ac.ActionSet(actions=actions)]


def _pick_part(view: ScheduleView, lang: Lang) -> list[ac.CardElement]:
    if not view.picks:
        return []
    picker = choice_field(
        "schedule.pick", t(lang, "schedule.pick"), view.picks, placeholder=t(lang, "schedule.pick_placeholder")
    )
    buttons: list[ac.Action] = [
        execute(t(lang, "schedule.edit"), "schedule.edit", view.form_id),
        execute(t(lang, "schedule.copy"), "schedule.copy", view.form_id),
        execute(t(lang, "schedule.delete"), "schedule.delete", view.form_id, style="destructive"),
    ]
    return [section(t(lang, "schedule.act")), *picker, ac.ActionSet(actions=buttons)]


def _filters(view: ScheduleView, lang: Lang) -> list[ac.CardElement]:
    periods = [(t(lang, "schedule.period_day"), "day"), (t(lang, "schedule.period_week"), "week")]
    members = [(t(lang, "schedule.all_members"), ALL), *view.members]
    groups = [(t(lang, "schedule.all_groups"), ALL), *view.groups]
    elements: list[ac.CardElement] = [section(t(lang, "schedule.other_days"))]
    if len(view.teams) > 1:
        elements += choice_field("schedule.team", t(lang, "schedule.team"), view.teams, view.team)
    elements += date_field("schedule.date", t(lang, "schedule.date"), view.date)
    elements += choice_field("schedule.period", t(lang, "schedule.period"), periods, view.period)
    elements += choice_field("schedule.member", t(lang, "schedule.member"), members, view.member or ALL)
    elements += choice_field("schedule.group", t(lang, "schedule.group"), groups, view.group or ALL)
    elements.append(ac.ActionSet(actions=[execute(t(lang, "schedule.show"), "schedule.show", view.form_id)]))
    return elements


def _bottom_actions(view: ScheduleView, lang: Lang) -> list[ac.Action]:
    actions: list[ac.Action] = []
    if view.has_drafts:
        actions.append(execute(t(lang, "schedule.publish"), "schedule.publish", view.form_id, send_inputs=False))
    copy_key = "schedule.copy_week" if view.period == "week" else "schedule.copy_day"
    actions.append(execute(t(lang, copy_key), "schedule.copyRange", view.form_id, send_inputs=False))
    return actions


# --- confirmations -------------------------------------------------------------------------------------------------


def confirm_card(
    form_id: str,
    title: str,
    note: str,
    pairs: list[tuple[str, str]],
    confirm: tuple[str, str, dict[str, Any]],  # (button title, verb, extra data)
    lang: Lang,
    inputs: list[ac.CardElement] | None = None,
) -> dict[str, Any]:
    """A question before a change: what will happen, the facts, the optional inputs, Confirm and Back."""
    body: list[ac.CardElement] = [heading(title), paragraph(note)]
    if pairs:
        body.append(facts(pairs, lang))
    body += inputs or []
    button, verb, extra = confirm
    actions: list[ac.Action] = [
        execute(button, verb, form_id, extra=extra, style="destructive" if "delete" in verb.lower() else "positive"),
        execute(t(lang, "schedule.back"), "schedule.back", form_id, send_inputs=False),
    ]
    return envelope(body, actions)


def outcome_card(
    form_id: str, title: str, lines: list[str], lang: Lang, *, color: ac.TextColor | None = None
) -> dict[str, Any]:
    """What was done, and the way back to the schedule."""
    body: list[ac.CardElement] = [heading(title), *(paragraph(line, color=color) for line in lines)]
    back = execute(t(lang, "schedule.back"), "schedule.back", form_id, send_inputs=False)
    return envelope(body, [back])


# --- the open shift form ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenShiftState:
    form_id: str
    values: dict[str, Any]
    team: str
    teams: Choices
    groups: Choices
    zone: str
    max_slots: int


def open_shift_form_card(state: OpenShiftState, view: Any, lang: Lang) -> dict[str, Any]:
    """`view` is the flow's FormView (errors by input id, banner)."""

    def value(key: str) -> str:
        found = state.values.get(key)
        return found if isinstance(found, str) else ""

    errors: dict[str, str] = view.errors
    visibility = [(t(lang, "shift.publish"), "published"), (t(lang, "shift.draft"), "draft")]
    body: list[ac.CardElement] = [
        *choice_field("open.team", t(lang, "shift.team"), state.teams, value("open.team"),
                      error=errors.get("open.team")),
        *_load_team(state, lang),
        paragraph(t(lang, "shift.zone_hint", zone=state.zone), subtle=True),
        *choice_field("open.group", t(lang, "shift.group"), state.groups, value("open.group"),
                      error=errors.get("open.group")),
        *date_field("open.date", t(lang, "shift.date"), value("open.date"), error=errors.get("open.date")),
        *time_field("open.start", t(lang, "shift.start"), value("open.start"), error=errors.get("open.start")),
        *time_field("open.end", t(lang, "shift.end"), value("open.end"), error=errors.get("open.end")),
        # No client-side isRequired/min/max: the host would block Load this team and Cancel; the server checks.
        ac.NumberInput(id="open.slots", label=t(lang, "open.slots"), value=number_value(value("open.slots"))),
        *([field_error(errors["open.slots"])] if errors.get("open.slots") else []),
        *text_field("open.label", t(lang, "shift.label"), value("open.label"), error=errors.get("open.label")),
        *choice_field("open.visibility", t(lang, "shift.visibility"), visibility, value("open.visibility")),
    ]  # fmt: skip
    actions: list[ac.Action] = [
        execute(t(lang, "open.submit"), "openshift.submit", state.form_id, style="positive"),
        execute(t(lang, "shift.cancel"), "openshift.cancel", state.form_id, send_inputs=False),
    ]
    banners = banner(view.banner, color=view.banner_color) if view.banner else []
    return form_card(t(lang, "open.title"), body, actions, banner_elements=banners)


def _load_team(state: OpenShiftState, lang: Lang) -> list[ac.CardElement]:
    if len(state.teams) < 2:
        return []
    return [ac.ActionSet(actions=[execute(t(lang, "shift.load_team"), "openshift.team", state.form_id)])]


def number_value(text: str) -> int | None:
    """'3' or '3.0' (hosts post a Number input either way) as 3; anything else as no value."""
    try:
        number = float(text)
    except ValueError:
        return None
    return int(number) if number.is_integer() else None


def open_shift_done_card(title: str, pairs: list[tuple[str, str]], lang: Lang) -> dict[str, Any]:
    return confirmation_card(title, [facts(pairs, lang)])


def copy_progress_card(form_id: str, title: str, lines: list[str], retry: str | None, lang: Lang) -> dict[str, Any]:
    """A copy's progress or its summary; `retry` titles the button that retries only the failed shifts."""
    body: list[ac.CardElement] = [heading(title), *(paragraph(line) for line in lines)]
    actions: list[ac.Action] = []
    if retry:
        actions.append(execute(retry, "schedule.copyRetry", form_id, send_inputs=False, style="positive"))
    actions.append(execute(t(lang, "schedule.back"), "schedule.back", form_id, send_inputs=False))
    return envelope(body, actions)
