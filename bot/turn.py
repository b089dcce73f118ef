"""What a handler sees of a Teams activity, and what it answers, as plain Python.
The Teams edge translates activities into `Turn`s and `Reply`s back into activities."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from bot.auth.tokens import UserIdentity
from bot.i18n import Lang, language_of

if TYPE_CHECKING:
    from bot.outbound import ConversationRef

ConversationType = Literal["personal", "groupChat", "channel"]


@dataclass(frozen=True)
class Mention:
    name: str
    teams_user_id: str


async def _no_team() -> str | None:
    return None


@dataclass
class Turn:
    user: UserIdentity
    teams_user_id: str
    conversation_id: str
    conversation_type: ConversationType = "personal"
    locale: str = "en-US"
    timezone: str | None = None  # IANA name from the activity's localTimezone
    text: str = ""  # the message, the bot's own @mention removed
    mentions: tuple[Mention, ...] = ()  # other people @mentioned in the message
    verb: str | None = None  # card action verb (Action.Execute or Action.Submit)
    data: dict[str, Any] = field(default_factory=dict)  # the action's data merged with the card's inputs
    card_activity_id: str | None = None  # the message that carried the card being acted on
    team_thread_id: str | None = None  # 19:...@thread id when in a team channel
    # Resolves the channel's team to its Microsoft 365 group id (what Graph calls the team id).
    resolve_team_group_id: Callable[[], Awaitable[str | None]] = _no_team
    # Where to send or update messages later (a background create's card update), filled by the edge.
    reference: ConversationRef | None = None
    activity_id: str | None = None  # the activity's own id (Teams re-sends an invoke with the same id)

    @property
    def lang(self) -> Lang:
        return language_of(self.locale)


@dataclass(frozen=True)
class Reply:
    """One thing to show. `card` is Adaptive Card JSON; `replace` asks to show it in place of the card
    that carried the action (Action.Execute's invoke response, or an update for Action.Submit)."""

    card: dict[str, Any] | None = None
    text: str | None = None
    replace: bool = False

    @staticmethod
    def new_card(card: dict[str, Any]) -> Reply:
        return Reply(card=card)

    @staticmethod
    def in_place(card: dict[str, Any]) -> Reply:
        return Reply(card=card, replace=True)
