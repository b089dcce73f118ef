"""Finding customers on our side: Graph documents no filter on the customer list (NOTES §3), so the bot reads it
page by page and matches here. Nothing typed is ever sent to Graph.

A query made of phone characters with at least three digits matches phone numbers digit by digit ("206 555" finds
"206-555-0111"); any other query matches when each of its words is in the name, the email or a phone, ignoring
case and accents. Recent customers come first."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.bookings.model import Customer
from bot.shift.text import fold

_PHONE_QUERY = re.compile(r"^\+?[0-9 ().\-]+$")
_OLDEST = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Query:
    words: tuple[str, ...]
    digits: str  # set when the query is a phone number

    @property
    def empty(self) -> bool:
        return not self.words and not self.digits


def parse_query(text: str) -> Query:
    stripped = " ".join(text.split())
    digits = "".join(c for c in stripped if c.isdigit())
    if _PHONE_QUERY.match(stripped) and len(digits) >= 3:
        return Query((), digits)
    return Query(tuple(fold(word) for word in stripped.split()), "")


def matches(customer: Customer, query: Query) -> bool:
    if query.digits:
        return any(query.digits in _digits(phone) for phone in customer.phones)
    haystack = fold(" ".join((customer.name, customer.email, *customer.phones)))
    return all(word in haystack for word in query.words)


def recency(customer: Customer) -> tuple[float, str]:
    """Sort key: newest first by createdDateTime; customers without one last; then by name."""
    return (-(customer.created or _OLDEST).timestamp(), fold(customer.name))


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())
