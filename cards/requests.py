"""The requests inbox, the time-off confirmation and the alerts (digest, notice) cards.

Pure functions of already-worded view models and a language; they import no feature. Names, notes and labels
that come from people or Graph are shown literally (cards.common's literal and facts), never as markup."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import microsoft_teams.cards as ac

from bot import i18n
from bot.i18n import Lang, t
from cards.common import envelope, facts, heading, literal, paragraph
from cards.forms import execute, text_field

VERB_APPROVE = "requests.approve"
VERB_DECLINE = "requests.decline"
VERB_OPEN_INBOX = "requests.open"

i18n.register(
    en={
        "requests.card.approve": "Approve",
        "requests.card.decline": "Decline",
        "requests.card.message": "Message to {name} (optional)",
        "requests.card.open_inbox": "Open my requests",
        "requests.card.reference": "Reference for your admin: {request_id}",
    },
    fr={
        "requests.card.approve": "Approuver",
        "requests.card.decline": "Refuser",
        "requests.card.message": "Message pour {name} (facultatif)",
        "requests.card.open_inbox": "Ouvrir mes demandes",
        "requests.card.reference": "Référence pour votre administrateur : {request_id}",
    },
)


@dataclass(frozen=True)
class Line:
    """A label (ours, translated) and a value shown literally (it may come from Graph or a person)."""

    label: str
    value: str


@dataclass(frozen=True)
class RequestItem:
    request_id: str
    title: str  # e.g. "Time off · Megan Bowen" (the name is literal)
    lines: list[Line]
    warnings: list[str] = field(default_factory=list)  # conflicts, waiting for the recipient
    outcome: str | None = None  # once decided (or refused): what happened
    outcome_good: bool = True
    reference: str | None = None  # Graph's request id when something failed
    sender_name: str = ""
    action_data: dict[str, Any] | None = None  # what Approve/Decline carry; None: no buttons


@dataclass(frozen=True)
class InboxView:
    inbox_id: str
    title: str
    summary: str
    items: list[RequestItem]
    notes: list[str] = field(default_factory=list)  # teams that could not be read, etc.


Color = Literal["Default", "Good", "Warning", "Attention"]


def lines_of(lines: list[Line], lang: Lang) -> ac.Container:
    return facts([(line.label, line.value) for line in lines], lang)


def message_input_id(request_id: str) -> str:
    return f"message.{request_id}"


def _item(item: RequestItem, inbox_id: str, lang: Lang) -> ac.Container:
    body: list[ac.CardElement] = [literal(item.title, weight="Bolder"), lines_of(item.lines, lang)]
    body += [literal(warning, color="Warning") for warning in item.warnings]
    if item.outcome:
        color: Color = "Good" if item.outcome_good else "Attention"
        body += [literal(line, color=color) for line in item.outcome.splitlines()]
    if item.reference:
        body.append(paragraph(t(lang, "requests.card.reference", request_id=item.reference), subtle=True))
    if item.action_data is not None:
        input_id = message_input_id(item.request_id)
        body += text_field(input_id, t(lang, "requests.card.message", name=item.sender_name), multiline=True)
        data = {**item.action_data, "input": input_id}
        approve = execute(t(lang, "requests.card.approve"), VERB_APPROVE, inbox_id, extra=data, style="positive")
        decline = execute(t(lang, "requests.card.decline"), VERB_DECLINE, inbox_id, extra=data, style="destructive")
        body.append(ac.ActionSet(actions=[approve, decline]))
    return ac.Container(id=f"request.{item.request_id}", items=body, separator=True, spacing="Medium")


def inbox_card(view: InboxView, lang: Lang) -> dict[str, Any]:
    body: list[ac.CardElement] = [heading(view.title), paragraph(view.summary)]
    body += [literal(note, subtle=True) for note in view.notes]
    body += [_item(item, view.inbox_id, lang) for item in view.items]
    return envelope(body)


@dataclass(frozen=True)
class DigestView:
    title: str
    sections: list[tuple[str, list[str]]]  # (heading, literal lines)
    footer: str


def digest_card(view: DigestView, lang: Lang) -> dict[str, Any]:
    body: list[ac.CardElement] = [heading(view.title)]
    for title, lines in view.sections:
        if title:
            body.append(ac.TextBlock(text=title, weight="Bolder", wrap=True, separator=True, spacing="Medium"))
        body += [literal(line) for line in lines]
    body.append(paragraph(view.footer, subtle=True))
    actions: list[ac.Action] = [execute(t(lang, "requests.card.open_inbox"), VERB_OPEN_INBOX, "", send_inputs=False)]
    return envelope(body, actions)


def result_card(title: str, lines: list[Line], lang: Lang, note: str | None = None) -> dict[str, Any]:
    body: list[ac.CardElement] = [heading(title), lines_of(lines, lang)]
    if note:
        body.append(literal(note, color="Warning"))
    return envelope(body)
