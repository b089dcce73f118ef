"""The New shift form and its confirmation (Adaptive Cards 1.5, Action.Execute).

Pure functions of (state, language). Every input has a label, required ones say so; no input carries a
client-side check (see cards/forms.py); the server's message for an input is shown right under it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import microsoft_teams.cards.core as ac

from bot.i18n import Lang, t
from bot.shift import model as m
from bot.shift.themes import DEFAULT_THEME, theme_choices
from cards.common import facts, paragraph
from cards.forms import (
    Choices,
    FormView,
    banner,
    choice_field,
    confirmation_card,
    date_field,
    execute,
    form_card,
    required_label,
    row_container,
    section,
    text_field,
    time_field,
    toggle_field,
    with_error,
)

MAX_STATIC_MEMBERS = 100  # beyond that, Teams' type-ahead (Data.Query) finds the others
CONFIRM_ZONE = "confirm-zone"  # FormView.mode: daylight-saving readings to accept before creating


@dataclass(frozen=True)
class ShiftFormState:
    form_id: str
    values: dict[str, Any]
    break_rows: list[str]
    teams: Choices  # (name, id)
    members: Choices
    groups: Choices
    zone: str
    notices: list[str] = field(default_factory=list)  # what the command line could not use
    zone_notes: list[str] = field(default_factory=list)  # what to confirm: daylight-saving readings, checks
    times_only: bool = True  # only daylight-saving readings to confirm ("Create with these times")
    duration: str = ""  # "Duration: 8 hours", once the date and both times can be read


@dataclass(frozen=True)
class ShiftSummary:
    """The confirmation, already worded in the reader's language."""

    title: str
    note: str
    facts: list[tuple[str, str]]
    lines: list[str] = field(default_factory=list)


def shift_form_card(state: ShiftFormState, view: FormView, lang: Lang) -> dict[str, Any]:
    body: list[ac.CardElement] = [
        *_team_part(state, view, lang),
        paragraph(t(lang, "shift.zone_hint", zone=state.zone), subtle=True),
        *_who_part(state, view, lang),
        *_when_part(state, view, lang),
        *_details_part(state, view, lang),
        *_breaks_part(state, view, lang),
        *_visibility_part(state, view, lang),
    ]
    actions = _actions(state, view, lang)
    return form_card(t(lang, "shift.title"), body, actions, banner_elements=_banners(state, view, lang))


def shift_done_card(summary: ShiftSummary, lang: Lang) -> dict[str, Any]:
    lines: list[ac.CardElement] = [paragraph(summary.note), facts(summary.facts, lang)]
    lines.extend(paragraph(line, subtle=True) for line in summary.lines)
    return confirmation_card(summary.title, lines)


def _banners(state: ShiftFormState, view: FormView, lang: Lang) -> list[ac.CardElement]:
    elements: list[ac.CardElement] = []
    if view.banner:
        elements += banner(view.banner, color=view.banner_color, detail=view.details(lang))
    elements += [paragraph(note, color="Warning") for note in state.zone_notes]
    elements += [paragraph(notice, color="Warning") for notice in state.notices]
    return elements


def _value(state: ShiftFormState, key: str) -> str:
    value = state.values.get(key)
    return value if isinstance(value, str) else ""


def _team_part(state: ShiftFormState, view: FormView, lang: Lang) -> list[ac.CardElement]:
    elements = choice_field(
        m.TEAM,
        required_label(t(lang, "shift.team"), lang),
        state.teams,
        _value(state, m.TEAM),
        error=view.errors.get(m.TEAM),
    )
    if len(state.teams) > 1:
        load = execute(t(lang, "shift.load_team"), m.VERB_TEAM, state.form_id)
        elements.append(ac.ActionSet(actions=[load]))
    return elements


def _who_part(state: ShiftFormState, view: FormView, lang: Lang) -> list[ac.CardElement]:
    return [
        *_member_field(state, view, lang),
        *choice_field(
            m.GROUP,
            required_label(t(lang, "shift.group"), lang),
            state.groups,
            _value(state, m.GROUP),
            error=view.errors.get(m.GROUP),
        ),
    ]


def _member_field(state: ShiftFormState, view: FormView, lang: Lang) -> list[ac.CardElement]:
    """The static list, filtered as the manager types (Input.ChoiceSet style `filtered`, 1.5), holds the whole
    team when it can. A team too large for it also gets Teams' dynamic type-ahead (`choices.data`, Data.Query,
    answered through the application/search invoke), the static list staying as the fallback. The query
    carries the card's inputs (associatedInputs: auto), so the bot knows which team to search.

    Only large teams get `choices.data`: the official parser dates it to Adaptive Cards 1.6 and reports it
    on a 1.5 card, although Teams honours it on 1.5 cards."""
    selected = _value(state, m.MEMBER)
    shown = state.members[:MAX_STATIC_MEMBERS]
    shown += [c for c in state.members[MAX_STATIC_MEMBERS:] if c[1] == selected]
    large = len(state.members) > MAX_STATIC_MEMBERS
    element = ac.ChoiceSetInput(
        id=m.MEMBER,
        label=required_label(t(lang, "shift.member"), lang),
        choices=[ac.Choice(title=title, value=value) for title, value in shown],
        value=selected or None,
        placeholder=t(lang, "shift.member_placeholder"),
        style="filtered",
        choices_data=ac.QueryData(dataset=m.MEMBERS_DATASET, associated_inputs="auto") if large else None,
    )
    return with_error(element, view.errors.get(m.MEMBER))


def _when_part(state: ShiftFormState, view: FormView, lang: Lang) -> list[ac.CardElement]:
    date = date_field(
        m.DATE, required_label(t(lang, "shift.date"), lang), _value(state, m.DATE), error=view.errors.get(m.DATE)
    )
    times = [
        time_field(key, required_label(t(lang, label), lang), _value(state, key), error=view.errors.get(key))
        for key, label in ((m.START, "shift.start"), (m.END, "shift.end"))
    ]
    duration = [paragraph(state.duration, subtle=True)] if state.duration else []
    return [*date, _columns(times), *duration]


def _details_part(state: ShiftFormState, view: FormView, lang: Lang) -> list[ac.CardElement]:
    return [
        *text_field(
            m.LABEL,
            t(lang, "shift.label"),
            _value(state, m.LABEL),
            error=view.errors.get(m.LABEL),
            placeholder=t(lang, "shift.label_placeholder"),
        ),
        *text_field(
            m.NOTES,
            t(lang, "shift.notes"),
            _value(state, m.NOTES),
            error=view.errors.get(m.NOTES),
            multiline=True,
        ),
        *choice_field(
            m.THEME,
            t(lang, "shift.theme"),
            theme_choices(lang),
            _value(state, m.THEME) or DEFAULT_THEME,
            error=view.errors.get(m.THEME),
        ),
    ]


def _breaks_part(state: ShiftFormState, view: FormView, lang: Lang) -> list[ac.CardElement]:
    elements: list[ac.CardElement] = [section(t(lang, "shift.breaks"))]
    if not state.break_rows:
        elements.append(paragraph(t(lang, "shift.no_breaks"), subtle=True))
    for number, row in enumerate(state.break_rows, start=1):
        elements.append(_break_row(state, view, lang, row, number))
    add = execute(t(lang, "shift.add_break"), m.VERB_ADD, state.form_id, extra={"group": m.BREAKS})
    elements.append(ac.ActionSet(actions=[add]))
    return elements


def _break_row(state: ShiftFormState, view: FormView, lang: Lang, row: str, number: int) -> ac.Container:
    def key(name: str) -> str:
        return m.break_input(row, name)

    name = text_field(
        key("name"),
        required_label(t(lang, "shift.break_name", number=number), lang),
        _value(state, key("name")),
        error=view.errors.get(key("name")),
    )
    times = [
        time_field(
            key(part),
            required_label(t(lang, f"shift.break_{part}", number=number), lang),
            _value(state, key(part)),
            error=view.errors.get(key(part)),
        )
        for part in ("start", "end")
    ]
    paid_value = state.values.get(key("paid"))
    paid = toggle_field(
        key("paid"),
        t(lang, "shift.break_paid", number=number),
        t(lang, "shift.break_paid_title"),
        paid_value in (True, "true"),
        error=view.errors.get(key("paid")),
    )
    code = text_field(
        key("code"),
        t(lang, "shift.break_code", number=number),
        _value(state, key("code")),
        error=view.errors.get(key("code")),
    )
    remove = execute(
        t(lang, "shift.remove_break", number=number),
        m.VERB_REMOVE,
        state.form_id,
        extra={"group": m.BREAKS, "row": row},
    )
    return row_container([*name, _columns(times), *paid, *code], remove)


def _visibility_part(state: ShiftFormState, view: FormView, lang: Lang) -> list[ac.CardElement]:
    choices = [(t(lang, "shift.publish"), m.PUBLISHED), (t(lang, "shift.draft"), m.DRAFT)]
    element = ac.ChoiceSetInput(
        id=m.VISIBILITY,
        label=t(lang, "shift.visibility"),
        choices=[ac.Choice(title=title, value=value) for title, value in choices],
        value=_value(state, m.VISIBILITY) or m.PUBLISHED,
        style="expanded",
        separator=True,
    )
    return with_error(element, view.errors.get(m.VISIBILITY))


def _actions(state: ShiftFormState, view: FormView, lang: Lang) -> list[ac.Action]:
    if view.mode == CONFIRM_ZONE:
        label = t(lang, "shift.confirm" if state.times_only else "shift.confirm_anyway")
        submit = execute(label, m.VERB_CONFIRM, state.form_id, style="positive")
    else:
        submit = execute(t(lang, "shift.submit"), m.VERB_SUBMIT, state.form_id, style="positive")
    cancel = execute(t(lang, "shift.cancel"), m.VERB_CANCEL, state.form_id, send_inputs=False)
    return [submit, cancel]


def _columns(parts: list[list[ac.CardElement]]) -> ac.ColumnSet:
    return ac.ColumnSet(columns=[ac.Column(width="stretch", items=items) for items in parts])
