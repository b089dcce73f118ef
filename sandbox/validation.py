"""Request body checks against the shared Graph contract (sandbox/graph-contract.schema.json).

Two passes, like Graph: the OData reader first (unknown properties, named with their OData type), then
the model (JSON Schema: required, types, enums). Rules the schema cannot express live with the
operations (sandbox/shifts.py). The schema's `format`s are not checked here: datetimes are parsed where
the rules need them."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

SCHEMA_PATH = Path(__file__).with_name("graph-contract.schema.json")

# Request $defs that are OData types, with the type name Graph's reader names in its errors.
ODATA_TYPES = {
    "bookingCustomerCreate": "microsoft.graph.bookingCustomer",
    "bookingCustomerUpdate": "microsoft.graph.bookingCustomer",
    "bookingAppointmentCreate": "microsoft.graph.bookingAppointment",
    "bookingCustomerInformation": "microsoft.graph.bookingCustomerInformation",
    "dateTimeTimeZone": "microsoft.graph.dateTimeTimeZone",
    "physicalAddress": "microsoft.graph.physicalAddress",
    "phone": "microsoft.graph.phone",
    "shiftCreate": "microsoft.graph.shift",
    "shiftItem": "microsoft.graph.shiftItem",
    "shiftActivity": "microsoft.graph.shiftActivity",
    "openShiftCreate": "microsoft.graph.openShift",
    "openShiftItem": "microsoft.graph.openShiftItem",
    "timeOffCreate": "microsoft.graph.timeOff",
    "timeOffItem": "microsoft.graph.timeOffItem",
    "scheduleShareRequest": "microsoft.graph.schedule.share",
    "requestDecision": "microsoft.graph.requestDecision",
}


@dataclass(frozen=True)
class Problem:
    """The first thing wrong with a body. kind: unknown | required | enum | type | choice | other."""

    kind: str
    path: str
    name: str = ""
    value: Any = None
    type_name: str = ""
    detail: str = ""


def load_schema(path: Path = SCHEMA_PATH) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


class BodyValidator:
    def __init__(self, schema: dict[str, Any]) -> None:
        self._defs: dict[str, Any] = schema["$defs"]
        self._plain = schema
        self._with_new_themes = _allow_new_themes(schema)
        self._validators: dict[tuple[str, bool], Draft202012Validator] = {}
        self.classic_themes = frozenset(self._defs["scheduleEntityThemeRequest"]["enum"])
        self.newer_themes = (
            frozenset(self._defs["scheduleEntityThemeRequestWithPreferHeader"]["enum"]) - self.classic_themes
        )

    def first_problem(self, def_name: str, body: Any, *, new_themes: bool = False) -> Problem | None:
        """new_themes: the request carried `Prefer: include-unknown-enum-members`."""
        unknown = self.unknown_property(def_name, body)
        if unknown:
            return unknown
        errors = self._validator(def_name, new_themes).iter_errors(body)
        first = next(iter(errors), None)
        return _problem(first) if first else None

    def unknown_property(self, def_name: str, instance: Any, path: str = "") -> Problem | None:
        """The first property, in document order, that the OData type does not define."""
        if not isinstance(instance, dict):
            return None
        properties: dict[str, Any] = self._defs[def_name].get("properties", {})
        for key, value in instance.items():
            here = _join(path, key)
            if key not in properties:
                return Problem("unknown", here, key, value, ODATA_TYPES[def_name])
            found = self._unknown_below(properties[key], value, here)
            if found:
                return found
        return None

    def _unknown_below(self, prop_schema: dict[str, Any], value: Any, path: str) -> Problem | None:
        for ref in _object_refs(prop_schema):
            items = value if isinstance(value, list) else [value]
            for index, item in enumerate(items):
                where = f"{path}[{index}]" if isinstance(value, list) else path
                found = self.unknown_property(ref, item, where)
                if found:
                    return found
        return None

    def _validator(self, def_name: str, new_themes: bool) -> Draft202012Validator:
        key = (def_name, new_themes)
        if key not in self._validators:
            root = self._with_new_themes if new_themes else self._plain
            self._validators[key] = Draft202012Validator({**root, "$ref": f"#/$defs/{def_name}"})
        return self._validators[key]


def _allow_new_themes(schema: dict[str, Any]) -> dict[str, Any]:
    widened = copy.deepcopy(schema)
    defs = widened["$defs"]
    defs["scheduleEntityThemeRequest"] = defs["scheduleEntityThemeRequestWithPreferHeader"]
    return widened


def _object_refs(prop_schema: dict[str, Any]) -> list[str]:
    """The OData-typed $defs a property holds: directly, in anyOf (nullable) or as collection items."""
    refs: list[str] = []
    ref = prop_schema.get("$ref", "")
    if ref.rsplit("/", 1)[-1] in ODATA_TYPES:
        refs.append(ref.rsplit("/", 1)[-1])
    for sub in prop_schema.get("anyOf", []):
        refs.extend(_object_refs(sub))
    if isinstance(prop_schema.get("items"), dict):
        refs.extend(_object_refs(prop_schema["items"]))
    return refs


def _problem(error: ValidationError) -> Problem:
    if error.validator == "anyOf" and not error.absolute_path:
        return Problem("choice", "", detail=error.message)
    leaf = _leaf(error)
    path = _format_path(leaf.absolute_path)
    if leaf.validator == "required":
        missing = next(p for p in leaf.validator_value if p not in leaf.instance)
        return Problem("required", _join(path, missing), missing, detail=leaf.message)
    kinds = {"enum": "enum", "const": "enum", "type": "type", "unevaluatedProperties": "unknown"}
    kind = kinds.get(str(leaf.validator), "other")
    name = str(leaf.absolute_path[-1]) if leaf.absolute_path else ""
    return Problem(kind, path, name, leaf.instance, detail=leaf.message)


def _leaf(error: ValidationError) -> ValidationError:
    """Descends anyOf/oneOf to the most specific error: within the branches, a type mismatch of the
    value itself (e.g. "not null") says the least, and deeper errors say more."""
    while error.context:
        context = list(error.context)
        specific = [e for e in context if not (e.validator == "type" and not e.path)] or context
        error = max(specific, key=lambda e: len(e.path))
    return error


def _format_path(parts: Any) -> str:
    path = ""
    for part in parts:
        path = f"{path}[{part}]" if isinstance(part, int) else _join(path, str(part))
    return path


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key
