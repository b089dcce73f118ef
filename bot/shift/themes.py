"""Shift colours: Graph's 12 classic scheduleEntityTheme members, with English and French names.

Only these 12 may be sent without `Prefer: include-unknown-enum-members` (NOTES.md §2, §7.7); the
newer colours after `unknownFutureValue` are deliberately not offered."""

from __future__ import annotations

from bot.i18n import Lang
from bot.shift.text import fold

THEMES: tuple[str, ...] = (
    "white",
    "blue",
    "green",
    "purple",
    "pink",
    "yellow",
    "gray",
    "darkBlue",
    "darkGreen",
    "darkPurple",
    "darkPink",
    "darkYellow",
)
DEFAULT_THEME = "white"  # Graph's own default (scheduleEntity.theme is not nullable)

_NAMES: dict[Lang, dict[str, str]] = {
    "en": {
        "white": "White",
        "blue": "Blue",
        "green": "Green",
        "purple": "Purple",
        "pink": "Pink",
        "yellow": "Yellow",
        "gray": "Grey",
        "darkBlue": "Dark blue",
        "darkGreen": "Dark green",
        "darkPurple": "Dark purple",
        "darkPink": "Dark pink",
        "darkYellow": "Dark yellow",
    },
    "fr": {
        "white": "Blanc",
        "blue": "Bleu",
        "green": "Vert",
        "purple": "Violet",
        "pink": "Rose",
        "yellow": "Jaune",
        "gray": "Gris",
        "darkBlue": "Bleu foncé",
        "darkGreen": "Vert foncé",
        "darkPurple": "Violet foncé",
        "darkPink": "Rose foncé",
        "darkYellow": "Jaune foncé",
    },
}

# Other words people type for the same colours (folded: lower case, no accents).
_ALIASES: dict[str, str] = {
    "gray": "gray",
    "grey": "gray",
    "purple": "purple",
    "mauve": "purple",
    "dark blue": "darkBlue",
    "navy": "darkBlue",
    "marine": "darkBlue",
    "bleu marine": "darkBlue",
    "dark green": "darkGreen",
    "dark purple": "darkPurple",
    "dark pink": "darkPink",
    "dark yellow": "darkYellow",
}


def theme_name(theme: str, lang: Lang) -> str:
    return _NAMES[lang].get(theme, theme)


def theme_choices(lang: Lang) -> list[tuple[str, str]]:
    return [(theme_name(theme, lang), theme) for theme in THEMES]


def _lookup() -> dict[str, str]:
    table = {fold(theme): theme for theme in THEMES}
    for names in _NAMES.values():
        table.update({fold(name): theme for theme, name in names.items()})
    table.update(_ALIASES)
    return table


_LOOKUP = _lookup()
MAX_THEME_WORDS = max(len(key.split()) for key in _LOOKUP)


def find_theme(words: str) -> str | None:
    """'Bleu foncé', 'dark blue', 'darkBlue', 'grey' -> the Graph member; None if not a colour."""
    return _LOOKUP.get(" ".join(fold(words).split()))
