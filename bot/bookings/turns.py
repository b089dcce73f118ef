"""What every Bookings button needs from its turn: the ids its data carries, and the answer to a stale card."""

from __future__ import annotations

from bot.i18n import t
from bot.turn import Reply, Turn
from cards.common import notice_card


def ids_of(turn: Turn, *names: str) -> tuple[str, ...] | None:
    """The action data's values for `names`, as strings; None if one is missing (an old or forged card)."""
    values = tuple(str(turn.data.get(name) or "") for name in names)
    return values if all(values) else None


def stale(turn: Turn) -> Reply:
    return Reply.in_place(notice_card(turn.lang, t(turn.lang, "app.name"), [t(turn.lang, "notice.stale")]))
