"""Building blocks shared by every card: the 1.5 envelope, headings, notices and the help card.
Cards are pure functions of (state, language) to Adaptive Card JSON, built with Microsoft's typed models.

Text from a manager or from Graph is data, never markup: `TextBlock.text` and `FactSet` values render
markdown (a live link, a list; the Playground even fetches a raw `<img>`), so every line that may carry such
a value is built with `literal` (a `TextRun` in a `RichTextBlock`, which hosts show as plain text).
`paragraph` and `facts` are built on it; `heading` (a TextBlock, for its heading role) takes our own words only."""

from __future__ import annotations

import functools
import json
from typing import Any, Final

import microsoft_teams.cards.core as ac

from bot import i18n
from bot.commands import ALL_COMMANDS, SIGNOUT
from bot.i18n import Lang, t

CARD_VERSION: Final = "1.5"

i18n.register(
    en={
        "app.name": "Manager Desk",
        "help.intro": "I create Bookings customers and post Shifts shifts for your team. Type a command:",
        "help.footer": "Commands work with or without the leading slash. Cards follow your Teams language.",
        "notice.request_id": "Reference for your admin: {request_id}",
        "notice.stale": "This card is out of date. Type a command to start again.",
        "notice.unexpected": "Something went wrong on our side. Nothing was changed; please try again.",
        "notice.unknown_command": "I don't know “{word}”. Here is what I can do.",
        "notice.tenant_refused": "Manager Desk is not enabled for your organization. Ask your Teams admin.",
    },
    fr={
        "app.name": "Manager Desk",
        "help.intro": "Je crée des clients Bookings et je publie des postes Shifts pour votre équipe. "
        "Tapez une commande :",
        "help.footer": "Les commandes marchent avec ou sans barre oblique. Les cartes suivent la langue de Teams.",
        "notice.request_id": "Référence pour votre administrateur : {request_id}",
        "notice.stale": "Cette carte n'est plus à jour. Tapez une commande pour recommencer.",
        "notice.unexpected": "Un problème est survenu de notre côté. Rien n'a été modifié ; veuillez réessayer.",
        "notice.unknown_command": "Je ne connais pas « {word} ». Voici ce que je sais faire.",
        "notice.tenant_refused": "Manager Desk n'est pas activé pour votre organisation. "
        "Adressez-vous à votre administrateur Teams.",
    },
)


def to_json(card: ac.AdaptiveCard) -> dict[str, Any]:
    return card.model_dump(by_alias=True, exclude_none=True, mode="json")


def envelope(body: list[ac.CardElement], actions: list[ac.Action] | None = None) -> dict[str, Any]:
    card = ac.AdaptiveCard(version=CARD_VERSION, body=body, actions=actions or None)
    data = to_json(card)
    data["$schema"] = "http://adaptivecards.io/schemas/adaptive-card.json"
    data["msteams"] = {"width": "Full"}
    return data


def heading(text: str) -> ac.TextBlock:
    return ac.TextBlock(text=text, size="Large", weight="Bolder", wrap=True, style="heading")


def literal(
    text: str,
    *,
    subtle: bool = False,
    color: ac.TextColor | None = None,
    weight: ac.TextWeight | None = None,
    size: ac.TextSize | None = None,
    spacing: ac.Spacing | None = None,
    separator: bool = False,
) -> ac.RichTextBlock:
    """`text` shown exactly as written: no markdown, no HTML, no link, no image for the client to fetch."""
    runs: list[ac.CardElement] = [
        ac.TextRun(text=text, is_subtle=subtle or None, color=color, weight=weight, size=size)
    ]
    return ac.RichTextBlock(inlines=runs, spacing=spacing, separator=separator or None)


def paragraph(text: str, *, subtle: bool = False, color: ac.TextColor | None = None) -> ac.RichTextBlock:
    return literal(text, subtle=subtle, color=color)


def facts(pairs: list[tuple[str, str]], lang: Lang = "en") -> ac.Container:
    """Title and value lines, like a FactSet, whose values are shown literally (a FactSet renders markdown).
    Each line is three runs: the title in bold, the separator (French spaces its colon), the value."""
    separator = " : " if lang == "fr" else ": "
    lines: list[ac.CardElement] = []
    for title, value in pairs:
        runs: list[ac.CardElement] = [
            ac.TextRun(text=title, weight="Bolder"),
            ac.TextRun(text=separator),
            ac.TextRun(text=value),
        ]
        lines.append(ac.RichTextBlock(inlines=runs, spacing="Small"))
    return ac.Container(items=lines)


def notice_card(lang: Lang, title: str, lines: list[str], request_id: str | None = None) -> dict[str, Any]:
    body: list[ac.CardElement] = [heading(title), *(paragraph(line) for line in lines)]
    if request_id:
        body.append(paragraph(t(lang, "notice.request_id", request_id=request_id), subtle=True))
    return envelope(body)


def help_card(lang: Lang, unknown_word: str | None = None, *, sign_out: bool = True) -> dict[str, Any]:
    """`sign_out`: offer /signout (not in dev mode, where there is no sign-in to end)."""
    if unknown_word:
        return _help_card(lang, unknown_word, sign_out=sign_out)
    card: dict[str, Any] = json.loads(_plain_help_json(lang, sign_out))  # a fresh copy: callers may change theirs
    return card


@functools.cache
def _plain_help_json(lang: Lang, sign_out: bool) -> str:
    """The help card is the same for every /help in a language: built once (it was a third of a /help turn)."""
    return json.dumps(_help_card(lang, None, sign_out=sign_out))


def _help_card(lang: Lang, unknown_word: str | None, *, sign_out: bool) -> dict[str, Any]:
    body: list[ac.CardElement] = [heading(t(lang, "app.name"))]
    if unknown_word:
        body.append(paragraph(t(lang, "notice.unknown_command", word=unknown_word), color="Attention"))
    body.append(paragraph(t(lang, "help.intro")))
    rows = []
    for command in ALL_COMMANDS:
        if command is SIGNOUT and not sign_out:
            continue
        word = command.word_for(lang)
        description = command.description_en if lang == "en" else command.description_fr
        usage = command.usage_en if lang == "en" else command.usage_fr
        rows.append((f"/{word}", f"{description}" + (f" — {usage}" if usage else "")))
    body.append(facts(rows, lang))
    body.append(paragraph(t(lang, "help.footer"), subtle=True))
    return envelope(body)
