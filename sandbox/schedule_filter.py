"""The narrow `$filter` grammar of Shifts lists (NOTES.md §3 "Shifts: list", §7.20).

- Clauses joined by `and` only; `or`, `not` and parentheses are refused.
- Properties: `<item>/startDateTime` and `<item>/endDateTime`, where `<item>` is the collection's draft or shared
  item (`draftShift`/`sharedShift`, `draftOpenShift`/`sharedOpenShift`, `draftTimeOff`/`sharedTimeOff`).
- `ge` on a start, `le` on an end: the only forms documented to work (docs #4553 reports the others unsupported).
- Each property at most once ("doesn't support the use of the same property more than once in a query").
- DateTimeOffset literals are unquoted.
- `createdDateTime`, `lastModifiedDateTime` and anything else: "The entity property 'X' is not allowed in
  $filter query."
Under OData's null rules a condition on an item that is null is false (so the documented four-part filter drops
published shifts that have no draft)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sandbox.errors import GraphError
from sandbox.store import Doc

_CLAUSE = re.compile(r"^\s*([A-Za-z]+)/([A-Za-z]+)\s+([A-Za-z]+)\s+(\S+)\s*$")
_AND = re.compile(r"\s+and\s+", re.IGNORECASE)
_OTHER_LOGIC = re.compile(r"(\s+or\s+|^\s*not\s+|\(|\))", re.IGNORECASE)
_ALLOWED_OPERATOR = {"startDateTime": "ge", "endDateTime": "le"}


@dataclass(frozen=True)
class Condition:
    item: str  # e.g. draftShift
    field: str  # startDateTime | endDateTime
    operator: str  # ge | le once parse_filter accepted it
    value: datetime

    def holds(self, entity: Doc) -> bool:
        item = entity.get(self.item)
        if not isinstance(item, dict) or not isinstance(item.get(self.field), str):
            return False  # OData: a comparison with null is false
        moment = datetime.fromisoformat(str(item[self.field]).replace("Z", "+00:00"))
        return moment >= self.value if self.operator == "ge" else moment <= self.value


def filter_error(message: str) -> GraphError:
    return GraphError(400, "BadRequest", message)


def parse_filter(expression: str | None, items: tuple[str, str]) -> list[Condition]:
    """The conditions of `expression` for a collection whose draft and shared items are `items`."""
    if expression is None:
        return []
    if not expression.strip():
        raise filter_error("The $filter query option is empty.")
    if _OTHER_LOGIC.search(expression):
        raise filter_error(
            "Only 'and' is supported in $filter on this collection; 'or', 'not' and parentheses are not."
        )
    conditions: list[Condition] = []
    seen: set[str] = set()
    for clause in _AND.split(expression.strip()):
        condition = _condition(clause, items)
        name = f"{condition.item}/{condition.field}"
        if name in seen:
            raise filter_error(f"The property '{name}' can be used only once in $filter.")
        seen.add(name)
        if condition.operator != _ALLOWED_OPERATOR[condition.field]:
            raise filter_error(f"The operator '{condition.operator}' is not supported on '{name}' in $filter query.")
        conditions.append(condition)
    return conditions


def _condition(clause: str, items: tuple[str, str]) -> Condition:
    found = _CLAUSE.match(clause)
    if not found:
        name = clause.strip().split(" ", 1)[0]
        raise filter_error(f"The entity property '{name}' is not allowed in $filter query.")
    item, field, operator, literal = found.groups()
    if item not in items or field not in _ALLOWED_OPERATOR:
        raise filter_error(f"The entity property '{item}/{field}' is not allowed in $filter query.")
    return Condition(item, field, operator.lower(), _literal(literal))


def _literal(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        value = None
    if value is None or value.tzinfo is None or "T" not in text:
        raise filter_error(f"The literal '{text}' is not a valid Edm.DateTimeOffset (write it unquoted, with Z).")
    return value


def matching(entities: list[Any], conditions: list[Condition]) -> list[Any]:
    return [entity for entity in entities if all(condition.holds(entity) for condition in conditions)]
