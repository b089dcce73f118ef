"""Mention handling in message text, as plain Python (the SDK's own helper treats names as regexes)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from bot.turn import Mention

# No '<' inside a tag or a name: a text full of unclosed <at> tags is scanned once, not once per tag.
_AT_TAG = re.compile(r"<at\b[^<>]*>([^<]*)</at>", re.IGNORECASE)


def strip_bot_mention(text: str, bot_mention_texts: Iterable[str]) -> str:
    """Removes the bot's own @mention(s) and turns other `<at>Name</at>` tags into plain names."""
    for mention_text in bot_mention_texts:
        if mention_text:
            text = text.replace(mention_text, " ")
    text = _AT_TAG.sub(lambda m: m.group(1), text)
    return " ".join(html.unescape(text).split())


def other_mentions(entities: Iterable[tuple[str, str, str]], bot_id: str) -> tuple[Mention, ...]:
    """From (mentioned id, mentioned name, text) triples, the people mentioned who are not the bot."""
    return tuple(Mention(name=name, teams_user_id=uid) for uid, name, _ in entities if uid and uid != bot_id)
