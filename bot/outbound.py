"""Messages the bot sends on its own, outside the HTTP answer to an activity: a card updated when a
background create finishes, a command resumed after sign-in, a digest or a notice.

Features depend on this protocol only; the Teams edge implements it (Bot Connector REST calls on the one
shared aiohttp session). A `ConversationRef` is plain data, so it can be kept in the state store and used
by any instance later."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Protocol

from bot.turn import Reply


@dataclass(frozen=True)
class ConversationRef:
    service_url: str
    conversation_id: str
    bot_id: str
    channel_id: str = "msteams"
    tenant_id: str | None = None
    user_id: str | None = None  # the Teams user id (29:...) of the person the bot talks to
    user_aad_object_id: str | None = None
    locale: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @staticmethod
    def from_json(data: dict[str, Any]) -> ConversationRef:
        def text(key: str) -> str | None:
            value = data.get(key)
            return str(value) if value is not None else None

        return ConversationRef(
            service_url=text("service_url") or "",
            conversation_id=text("conversation_id") or "",
            bot_id=text("bot_id") or "",
            channel_id=text("channel_id") or "msteams",
            tenant_id=text("tenant_id"),
            user_id=text("user_id"),
            user_aad_object_id=text("user_aad_object_id"),
            locale=text("locale"),
        )


class ConversationGone(Exception):
    """The bot is no longer in that conversation (403 BotNotInConversationRoster, 404): forget the reference."""


class Outbound(Protocol):
    async def send(self, ref: ConversationRef, reply: Reply) -> str | None:
        """Posts a new message; returns its activity id when the channel gives one."""
        ...

    async def update(self, ref: ConversationRef, activity_id: str, reply: Reply) -> None:
        """Replaces the message `activity_id` (a card updated in place)."""
        ...
