"""English and French strings. Every feature registers its own table; `register` refuses a table whose
languages do not have the same keys and the same placeholders, so a missing translation fails at import."""

from __future__ import annotations

import string
from collections.abc import Mapping
from typing import Literal

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


def keys() -> set[str]:
    return set(_STRINGS["en"])


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}
