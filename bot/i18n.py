"""English and French strings. Every feature registers its own table; `register` refuses a table whose
languages do not have the same keys and the same placeholders, so a missing translation fails at import."""

from __future__ import annotations

import math
import string
from collections.abc import Mapping
from typing import Literal

from babel import Locale
from babel.lists import format_list
from babel.units import format_unit

Lang = Literal["en", "fr"]
LANGS: tuple[Lang, ...] = ("en", "fr")

_STRINGS: dict[Lang, dict[str, str]] = {"en": {}, "fr": {}}


def language_of(locale: str | None) -> Lang:
    """`fr`, `fr-FR`, `fr_CA`… are French; everything else is English."""
    return "fr" if (locale or "").lower().replace("_", "-").split("-")[0] == "fr" else "en"


def register(en: Mapping[str, str], fr: Mapping[str, str]) -> None:
    if set(en) != set(fr):
        raise ValueError(f"untranslated keys: {sorted(set(en) ^ set(fr))}")
    for key in en:
        if _fields(en[key]) != _fields(fr[key]):
            raise ValueError(f"placeholders differ between languages for {key!r}")
        for lang in LANGS:
            existing = _STRINGS[lang].get(key)
            if existing is not None and existing != (en if lang == "en" else fr)[key]:
                raise ValueError(f"string key registered twice: {key!r}")
    _STRINGS["en"].update(en)
    _STRINGS["fr"].update(fr)


def t(lang: Lang, key: str, **values: object) -> str:
    text = _STRINGS[lang][key]
    return text.format(**values) if values else text


def tn(lang: Lang, key: str, count: int, **values: object) -> str:
    """The plural form of `key` for `count`, per the language's CLDR rules (French: 0 and 1 are singular):
    `<key>.one` or `<key>.other` (registered like any string); `{count}` is filled in."""
    form = Locale(lang).plural_form(abs(count))
    chosen = f"{key}.{form}" if f"{key}.{form}" in _STRINGS[lang] else f"{key}.other"
    return t(lang, chosen, count=count, **values)


def keys() -> set[str]:
    return set(_STRINGS["en"])


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def quantity(lang: Lang, amount: int, unit: str) -> str:
    """'1 second', '2 seconds', '1 seconde': Babel's plural rules and unit names (`unit`: second, minute, hour, day)."""
    return str(format_unit(amount, f"duration-{unit}", length="long", locale=lang))


def wait_of(lang: Lang, seconds: float) -> str:
    """A Retry-After as the manager reads it: whole seconds, rounded up ('1 second', '30 secondes')."""
    return quantity(lang, max(1, math.ceil(seconds)), "second")


def duration(lang: Lang, minutes: int) -> str:
    """'8 hours, 30 minutes', '1 heure et 5 minutes', '45 minutes' (negative lengths keep their sign)."""
    sign = "-" if minutes < 0 else ""
    hours, rest = divmod(abs(minutes), 60)
    parts = [quantity(lang, hours, "hour")] if hours else []
    parts += [quantity(lang, rest, "minute")] if rest or not hours else []
    return sign + str(format_list(parts, style="unit", locale=lang))
