"""Form building blocks: labelled inputs with the server's message beside them, repeating rows, actions.

Every input has a `label` (screen readers, and our tests find inputs by it). The server is the only judge of
what was typed: inputs carry no `isRequired`, `regex` or `maxLength`, because Teams and the Playground check
those on every action that sends inputs (`associatedInputs: auto`) and would block Add, Remove and Load on a
fresh or half-filled form, and `maxLength` cuts pasted text without a word. A required field says so in its
label (`required_label`); the server's message, if any, is shown right under the input."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import microsoft_teams.cards.core as ac

from bot import i18n
from bot.forms import FORM_ID
from bot.i18n import Lang, t
from cards.common import envelope, heading, literal, paragraph

i18n.register(
    en={
        "form.required_label": "{label} (required)",
        "form.graph_message": "Message from Microsoft 365: {message}",
    },
    fr={
        "form.required_label": "{label} (obligatoire)",
        "form.graph_message": "Message de Microsoft 365 (en anglais) : {message}",
    },
)

Choices = list[tuple[str, str]]  # (title, value)


@dataclass
class FormView:
    """What to show on the form besides the values: per-field messages and a banner at the top."""

    errors: dict[str, str] = field(default_factory=dict)
    banner: str | None = None
    banner_color: str = "Attention"
    request_id: str | None = None
    mode: str = "edit"  # a feature may define others (e.g. "confirm-duplicate")
    graph_message: str | None = None  # Graph's own (English) words, shown as a labelled detail line

    def details(self, lang: Lang) -> list[str]:
        """The banner's detail lines: Graph's message, then the reference for the admin."""
        lines = [t(lang, "form.graph_message", message=self.graph_message)] if self.graph_message else []
        return lines + ([t(lang, "notice.request_id", request_id=self.request_id)] if self.request_id else [])


def required_label(label: str, lang: Lang) -> str:
    return t(lang, "form.required_label", label=label)


def field_error(message: str) -> ac.RichTextBlock:
    return literal(message, color="Attention", size="Small", spacing="None")


def with_error(element: ac.CardElement, error: str | None) -> list[ac.CardElement]:
    return [element, field_error(error)] if error else [element]


def text_field(
    input_id: str,
    label: str,
    value: str = "",
    *,
    error: str | None = None,
    placeholder: str | None = None,
    multiline: bool = False,
    style: ac.InputTextStyle | None = None,
) -> list[ac.CardElement]:
    element = ac.TextInput(
        id=input_id,
        label=label,
        value=value or None,
        placeholder=placeholder,
        is_multiline=multiline or None,
        style=style,
    )
    return with_error(element, error)


def choice_field(
    input_id: str,
    label: str,
    choices: Choices,
    value: str = "",
    *,
    error: str | None = None,
    placeholder: str | None = None,
    search_dataset: str | None = None,
) -> list[ac.CardElement]:
    # With a dataset, Teams asks the bot (application/search invoke) as the user types; other hosts use the list.
    query = ac.QueryData(dataset=search_dataset) if search_dataset else None
    element = ac.ChoiceSetInput(
        id=input_id,
        label=label,
        choices=[ac.Choice(title=title, value=val) for title, val in choices],
        value=value or None,
        placeholder=placeholder,
        style="compact",
        choices_data=query,
    )
    return with_error(element, error)


def date_field(input_id: str, label: str, value: str = "", *, error: str | None = None) -> list[ac.CardElement]:
    return with_error(ac.DateInput(id=input_id, label=label, value=value or None), error)


def time_field(input_id: str, label: str, value: str = "", *, error: str | None = None) -> list[ac.CardElement]:
    return with_error(ac.TimeInput(id=input_id, label=label, value=value or None), error)


def toggle_field(
    input_id: str, label: str, title: str, value: bool, *, error: str | None = None
) -> list[ac.CardElement]:
    element = ac.ToggleInput(
        id=input_id, label=label, title=title, value="true" if value else "false", value_on="true", value_off="false"
    )
    return with_error(element, error)


def execute(
    title: str,
    verb: str,
    form_id: str,
    *,
    extra: dict[str, Any] | None = None,
    style: ac.ActionStyle | None = None,
    send_inputs: bool = True,
) -> ac.ExecuteAction:
    """Action.Execute carrying the form id and the verb (in data too, for Action.Submit fallbacks).
    Actions send all inputs back (`associatedInputs: auto`), so nothing typed is ever lost; only actions
    that need no input (Cancel) skip them. No input has a client-side check, so none of them is ever blocked."""
    data = {FORM_ID: form_id, "verb": verb, **(extra or {})}
    associated: ac.AssociatedInputs = "auto" if send_inputs else "none"
    return ac.ExecuteAction(title=title, verb=verb, data=data, associated_inputs=associated, style=style)


def section(title: str) -> ac.TextBlock:  # our own words only
    return ac.TextBlock(text=title, weight="Bolder", wrap=True, separator=True, spacing="Medium")


def row_container(items: list[ac.CardElement], remove: ac.ExecuteAction | None) -> ac.Container:
    body = list(items)
    if remove is not None:
        body.append(ac.ActionSet(actions=[remove]))
    return ac.Container(items=body, style="emphasis", spacing="Small")


BANNER_COLORS: dict[str, ac.TextColor] = {
    "Attention": "Attention",
    "Good": "Good",
    "Warning": "Warning",
    "Accent": "Accent",
}


def banner(text: str, *, color: str = "Attention", detail: str | list[str] | None = None) -> list[ac.CardElement]:
    shown = BANNER_COLORS.get(color, "Attention")
    elements: list[ac.CardElement] = [literal(text, color=shown, weight="Bolder")]
    elements += [paragraph(line, subtle=True) for line in ([detail] if isinstance(detail, str) else detail or [])]
    return elements


def form_card(
    title: str,
    body: list[ac.CardElement],
    actions: list[ac.Action],
    *,
    banner_elements: list[ac.CardElement] | None = None,
) -> dict[str, Any]:
    return envelope([heading(title), *(banner_elements or []), *body], actions)


def confirmation_card(title: str, lines: list[ac.CardElement]) -> dict[str, Any]:
    """No submit button is left on a confirmation: pressing a stale copy creates nothing anyway."""
    return envelope([heading(title), *lines])
