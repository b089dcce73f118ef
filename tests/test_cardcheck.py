"""The card checker itself: it must reject genuinely bad cards and accept a good Teams 1.5 card."""

from __future__ import annotations

import copy
import json
import subprocess

import pytest

from tests import cardcheck
from tests.cardcheck import (
    assert_inputs_labelled,
    assert_valid_cards,
    card_errors,
    find_input_by_label,
)


def card(body: list | None = None, actions: list | None = None, **extra) -> dict:
    result = {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": "1.5",
        "body": body or [],
    }
    if actions is not None:
        result["actions"] = actions
    result.update(extra)
    return result


GOOD = card(
    body=[
        {"type": "TextBlock", "text": "New shift", "weight": "Bolder", "size": "Medium", "wrap": True},
        {
            "type": "Input.Text",
            "id": "label",
            "label": "Label",
            "placeholder": "Morning",
            "isRequired": True,
            "errorMessage": "Give the shift a label",
        },
        {
            "type": "Input.ChoiceSet",
            "id": "member",
            "label": "Team member",
            "style": "compact",
            "choices": [
                {"title": "Megan Bowen", "value": "user-megan"},
                {"title": "Alex Wilber", "value": "user-alex"},
            ],
        },
        {
            "type": "ColumnSet",
            "columns": [
                {
                    "type": "Column",
                    "width": "stretch",
                    "items": [{"type": "Input.Date", "id": "date", "label": "Date", "value": "2026-11-23"}],
                },
                {
                    "type": "Column",
                    "width": "auto",
                    "items": [{"type": "Input.Time", "id": "start", "label": "Start", "value": "09:00"}],
                },
            ],
        },
        {"type": "Input.Toggle", "id": "notify", "label": "Notify", "title": "Notify the member", "value": "true"},
        {
            "type": "ActionSet",
            "actions": [
                {
                    "type": "Action.ShowCard",
                    "title": "More",
                    "card": {
                        "type": "AdaptiveCard",
                        "body": [{"type": "Input.Text", "id": "notes", "label": "Notes", "isMultiline": True}],
                    },
                }
            ],
        },
    ],
    actions=[
        {"type": "Action.Execute", "title": "Post shift", "verb": "shift.post", "data": {"draft": "d-42"}},
        {"type": "Action.Submit", "title": "Cancel", "data": {"verb": "shift.cancel"}, "associatedInputs": "none"},
    ],
    msteams={"width": "Full"},
)


def test_good_card_is_valid():
    assert card_errors([GOOD]) == [[]]
    assert_valid_cards(GOOD)
    assert_inputs_labelled(GOOD)


@pytest.mark.parametrize(
    ("bad", "expected"),
    [
        (card([{"type": "TextBlox", "text": "typo"}]), 'Unknown element type "TextBlox"'),
        (card([{"type": "TextBlox", "text": "typo", "fallback": "drop"}]), 'Unknown element type "TextBlox"'),
        (card(actions=[{"type": "Action.Frobnicate", "title": "x"}]), 'Unknown action type "Action.Frobnicate"'),
        (card([{"type": "TextBlock", "text": "x", "weight": "Heavy"}]), 'Invalid value "Heavy" for property "weight"'),
        (card([{"type": "TextBlock", "text": "x", "color": "Pink"}]), 'Invalid value "Pink" for property "color"'),
        (card([{"type": "Input.Text", "label": "Name"}]), "All inputs must have a unique Id"),
        (card([{"type": "Container", "items": [{"type": "Input.Date", "label": "d"}]}]), "unique Id"),
        (
            card([{"type": "Input.Text", "id": "a", "label": "A"}, {"type": "Input.Text", "id": "a", "label": "B"}]),
            'Duplicate Id "a"',
        ),
        (card([{"type": "Input.ChoiceSet", "id": "c", "label": "C", "choices": []}]), "at least one choice"),
        (card([{"type": "Input.Text", "id": "r", "isRequired": True}]), "Required inputs should have a label"),
        (card(actions=[{"type": "Action.ShowCard", "title": "More"}]), "Action.ShowCard must have"),
        (card(actions=[{"type": "Action.OpenUrl", "title": "Open"}]), 'Property "url" must be set'),
        (card(actions=[{"type": "Action.Submit", "title": str(i)} for i in range(7)]), "Maximum number of actions"),
        ({"type": "AdaptiveCardz", "version": "1.5", "body": []}, "Invalid or missing card type"),
        ({"version": "1.5", "body": []}, 'Property "type" must be set'),
        ({"type": "AdaptiveCard", "body": []}, 'Property "version" must be set'),
        ({"type": "AdaptiveCard", "version": "1.6", "body": []}, "above 1.5"),
        ({"type": "AdaptiveCard", "version": "banana", "body": []}, 'Invalid version string "banana"'),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_bad_cards_are_rejected(bad, expected):
    [errors] = card_errors([bad])
    assert any(expected in error for error in errors), errors


def test_phases_are_reported():
    [parse_errors, validate_errors] = card_errors(
        [card([{"type": "TextBlox"}]), card([{"type": "Input.Text", "label": "x"}])]
    )
    assert parse_errors[0].startswith("parse: ")
    assert validate_errors[0].startswith("validate: ")


def test_action_execute_is_fine_at_1_5():
    execute = card(actions=[{"type": "Action.Execute", "title": "Go", "verb": "go", "data": {"n": 1}}])
    assert card_errors([execute]) == [[]]


def test_batch_keeps_order_and_assert_lists_every_error():
    bad_one = card([{"type": "TextBlock", "text": "first", "size": "Huge"}])
    bad_two = card([{"type": "Input.Number", "label": "n"}, {"type": "Imagee", "url": "x"}])
    results = card_errors([GOOD, bad_one, GOOD, bad_two])
    assert [len(r) for r in results] == [0, 1, 0, 2]
    with pytest.raises(AssertionError) as raised:
        assert_valid_cards(GOOD, bad_one, bad_two)
    message = str(raised.value)
    assert "card #1 ('first')" in message
    assert 'Invalid value "Huge"' in message
    assert "card #2" in message and 'Unknown element type "Imagee"' in message and "unique Id" in message
    assert "card #0" not in message


def test_empty_batch_needs_no_node():
    assert card_errors([]) == []


def test_missing_node_modules_fails_loudly(monkeypatch, tmp_path):
    monkeypatch.setattr(cardcheck, "PACKAGE", tmp_path / "node_modules" / "adaptivecards" / "dist" / "x.js")
    monkeypatch.setattr(cardcheck, "ROOT", tmp_path)
    with pytest.raises(cardcheck.CardCheckUnavailable, match="npm ci"):
        card_errors([GOOD])


def test_script_refuses_non_array_input():
    proc = subprocess.run(
        ["node", str(cardcheck.SCRIPT)], input=json.dumps(GOOD), capture_output=True, text=True, check=False
    )
    assert proc.returncode == 2 and "JSON array" in proc.stderr


def test_inputs_labelled_walks_nested_structures():
    assert_inputs_labelled(card([{"type": "TextBlock", "text": "no inputs"}]))
    for path in ("column", "showcard", "container", "actionset"):
        broken = copy.deepcopy(GOOD)
        if path == "column":
            del broken["body"][3]["columns"][1]["items"][0]["label"]
            missing = "Input.Time id='start'"
        elif path == "showcard":
            broken["body"][5]["actions"][0]["card"]["body"][0]["label"] = "  "
            missing = "Input.Text id='notes'"
        elif path == "container":
            broken["body"].append({"type": "Container", "items": [{"type": "Input.Number", "id": "qty"}]})
            missing = "Input.Number id='qty'"
        else:
            broken["actions"].append(
                {
                    "type": "Action.ShowCard",
                    "title": "Deep",
                    "card": {
                        "type": "AdaptiveCard",
                        "body": [
                            {
                                "type": "ActionSet",
                                "actions": [
                                    {
                                        "type": "Action.ShowCard",
                                        "title": "Deeper",
                                        "card": {
                                            "type": "AdaptiveCard",
                                            "body": [{"type": "Input.Toggle", "id": "t", "title": "t"}],
                                        },
                                    }
                                ],
                            }
                        ],
                    },
                }
            )
            missing = "Input.Toggle id='t'"
        with pytest.raises(AssertionError, match=missing):
            assert_inputs_labelled(broken)


def test_inputs_labelled_ignores_action_data():
    with_data = card(actions=[{"type": "Action.Execute", "title": "Go", "data": {"type": "Input.Text"}}])
    assert_inputs_labelled(with_data)


def test_find_input_by_label():
    assert find_input_by_label(GOOD, "Start")["id"] == "start"
    assert find_input_by_label(GOOD, "Notes")["id"] == "notes"
    with pytest.raises(AssertionError, match="found 0"):
        find_input_by_label(GOOD, "Colour")
    twice = card(
        [{"type": "Input.Text", "id": "a", "label": "Name"}, {"type": "Input.Text", "id": "b", "label": "Name"}]
    )
    with pytest.raises(AssertionError, match="found 2"):
        find_input_by_label(twice, "Name")
