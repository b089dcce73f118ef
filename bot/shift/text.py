"""Text matching helpers: comparisons that ignore case, accents and the apostrophe's shape."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """'Aujourd’hui' -> "aujourd'hui"; 'Zoë' -> 'zoe'."""
    decomposed = unicodedata.normalize("NFKD", text.replace("’", "'").casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))
