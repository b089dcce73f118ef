"""Form building blocks: labelled inputs with the server's message beside them, repeating rows, actions.

Every input has a `label` (screen readers, and our tests find inputs by it). Client-side checks use the
card's own `isRequired`, `regex` and `errorMessage`; the server checks again and its message, if any, is
shown right under the input."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import microsoft_teams.cards.core as ac

from bot.forms import FORM_ID
from cards.common import envelope, heading, paragraph

Choices = list[tuple[str, str]]  # (title, value)


@dataclass
class FormView:
    """What to show on the form besides the values: per-field messages and a banner at the top."""

    errors: dict[str, str] = field(default_factory=dict)
    banner: str | None = None
    banner_color: str = "Attention"
    request_id: str | None = None
    mode: str = "edit"  # a feature may define others (e.g. "confirm-duplicate")


def field_error(message: str) -> ac.TextBlock:
    return ac.TextBlock(text=message, wrap=True, color="Attention", size="Small", spacing="None")


def with_error(element: ac.CardElement, error: str | None) -> list[ac.CardElement]:
    return [element, field_error(error)] if error else [element]


def text_field(
    input_id: str,
    label: str,
    value: str = "",
    *,
    error: str | None = None,
    required: bool = False,
    regex: str | None = None,
    error_message: str | None = None,
    placeholder: str | None = None,
    max_length: int | None = None,
    multiline: bool = False,
    style: ac.InputTextStyle | None = None,
) -> list[ac.CardElement]:
    element = ac.TextInput(
        id=input_id,
        label=label,
        value=value or None,
        is_required=required or None,
        regex=regex,
        error_message=error_message,
        placeholder=placeholder,
        max_length=max_length,
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
    required: bool = False,
    error_message: str | None = None,
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
        is_required=required or None,
        error_message=error_message,
        placeholder=placeholder,
        style="compact",
        choices_data=query,
    )
    return with_error(element, error)


def date_field(
    input_id: str,
    label: str,
    value: str = "",
    *,
    error: str | None = None,
    required: bool = False,
    error_message: str | None = None,
) -> list[ac.CardElement]:
    return _picker(ac.DateInput, input_id, label, value, error, required, error_message)


def time_field(
    input_id: str,
    label: str,
    value: str = "",
    *,
    error: str | None = None,
    required: bool = False,
    error_message: str | None = None,
) -> list[ac.CardElement]:
    return _picker(ac.TimeInput, input_id, label, value, error, required, error_message)


def _picker(
    kind: type[ac.DateInput] | type[ac.TimeInput],
    input_id: str,
    label: str,
    value: str,
    error: str | None,
    required: bool,
    error_message: str | None,
) -> list[ac.CardElement]:
    element = kind(
        id=input_id, label=label, value=value or None, is_required=required or None, error_message=error_message
    )
    return with_error(element, error)


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
    that need no input (Cancel) skip them, so that the host's required-field checks don't block them."""
    data = {FORM_ID: form_id, "verb": verb, **(extra or {})}
    associated: ac.AssociatedInputs = "auto" if send_inputs else "none"
    return ac.ExecuteAction(title=title, verb=verb, data=data, associated_inputs=associated, style=style)


def section(title: str) -> ac.TextBlock:
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


def banner(text: str, *, color: str = "Attention", detail: str | None = None) -> list[ac.CardElement]:
    shown = BANNER_COLORS.get(color, "Attention")
    elements: list[ac.CardElement] = [ac.TextBlock(text=text, wrap=True, color=shown, weight="Bolder")]
    if detail:
        elements.append(paragraph(detail, subtle=True))
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
