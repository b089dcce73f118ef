"""`/customer Joni Sherman jonis@relecloud.com 206-555-0100` → a prefilled form.

The first valid email is the email; runs of number-like words are phones; the first run of words made of
letters is the name. Everything else is returned as `unplaced`, for the card to show: nothing typed is
dropped silently."""

from __future__ import annotations

from dataclasses import dataclass

from bot.customer.model import MAX_ROWS
from bot.customer.validation import is_email, is_phone

_QUOTES = "\"'“”«»‘’"
_NAME_PUNCTUATION = "'’.-"
_PHONE_PIECE_CHARS = frozenset("0123456789+().-")
_PHONE_DIGITS = (7, 15)  # E.164 allows at most 15 digits; fewer than 7 is more likely not a phone


@dataclass(frozen=True)
class Prefill:
    name: str = ""
    email: str = ""
    phones: tuple[str, ...] = ()
    unplaced: str = ""


@dataclass
class _Token:
    raw: str
    kind: str  # email | phone | name | other
    used: bool = False


def parse_inline(text: str) -> Prefill:
    tokens = [_classify(raw) for raw in text.split()]
    email = _take_email(tokens)
    phones = _take_phones(tokens)
    name = _take_name(tokens)
    unplaced = " ".join(token.raw for token in tokens if not token.used)
    return Prefill(name=name, email=email, phones=phones, unplaced=unplaced)


def _classify(raw: str) -> _Token:
    if "@" in raw and is_email(raw.strip("<>,;" + _QUOTES)):
        return _Token(raw, "email")
    if set(raw) <= _PHONE_PIECE_CHARS and _digits(raw):
        return _Token(raw, "phone")
    word = raw.strip(_QUOTES).rstrip(",")
    if word and word[0].isalpha() and all(c.isalpha() or c in _NAME_PUNCTUATION for c in word):
        return _Token(raw, "name")
    return _Token(raw, "other")


def _take_email(tokens: list[_Token]) -> str:
    for token in tokens:
        if token.kind == "email":
            token.used = True
            return token.raw.strip("<>,;" + _QUOTES)
    return ""


def _take_phones(tokens: list[_Token]) -> tuple[str, ...]:
    phones: list[str] = []
    for group in _phone_groups(tokens):
        number = " ".join(token.raw for token in group)
        low, high = _PHONE_DIGITS
        if len(phones) < MAX_ROWS and low <= _digits(number) <= high and is_phone(number):
            phones.append(number)
            for token in group:
                token.used = True
    return tuple(phones)


def _phone_groups(tokens: list[_Token]) -> list[list[_Token]]:
    """Consecutive number-like words, split where a new complete number starts: `+1 (206) 555-0100` is one
    phone, `206-555-0100 206-555-0200` two."""
    groups: list[list[_Token]] = []
    current: list[_Token] = []
    for token in [*tokens, _Token("", "other")]:
        if token.kind != "phone":
            if current:
                groups.append(current)
            current = []
            continue
        so_far = sum(_digits(t.raw) for t in current)
        complete = so_far >= _PHONE_DIGITS[0] and (_digits(token.raw) >= _PHONE_DIGITS[0] or token.raw[0] == "+")
        if current and (complete or so_far + _digits(token.raw) > _PHONE_DIGITS[1]):
            groups.append(current)
            current = []
        current.append(token)
    return groups


def _take_name(tokens: list[_Token]) -> str:
    run: list[_Token] = []
    for token in tokens:
        if token.kind == "name" and not token.used:
            run.append(token)
        elif run:
            break
    for token in run:
        token.used = True
    return " ".join(token.raw.strip(_QUOTES).rstrip(",") for token in run)


def _digits(text: str) -> int:
    return sum(c in "0123456789" for c in text)
