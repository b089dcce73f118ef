"""Finding a team member by what the manager typed: a name in /shift's arguments, an @mention, or the
type-ahead query of the member picker."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.shift.text import fold

MAX_NAME_WORDS = 4


@dataclass(frozen=True)
class Member:
    user_id: str  # Entra object id: what shift.userId wants
    name: str


@dataclass
class MemberMatch:
    member: Member | None = None
    rest: list[str] = field(default_factory=list)  # the words not used for the name
    ambiguous: list[Member] = field(default_factory=list)  # several members fit these words
    ambiguous_words: str = ""


def names_match(query: str, member: Member, min_prefix: int = 1) -> bool:
    """Whole name, or the start of any of its words ('meg', 'bowen', 'megan b')."""
    wanted = " ".join(fold(query).split())
    name = " ".join(fold(member.name).split())
    if name == wanted:
        return True
    if len(wanted) < min_prefix:
        return False
    return name.startswith(wanted) or any(part.startswith(wanted) for part in name.split())


def find_by_name(name: str, members: list[Member]) -> list[Member]:
    """Exact (folded) name first; otherwise every member the name fits."""
    exact = [m for m in members if fold(m.name).split() == fold(name).split()]
    return exact or [m for m in members if names_match(name, m, min_prefix=2)]


def match_words(words: list[str], members: list[Member]) -> MemberMatch:
    """The longest run of words that names exactly one member. Runs that fit several are reported."""
    result = MemberMatch(rest=list(words))
    for size in range(min(MAX_NAME_WORDS, len(words)), 0, -1):
        for start in range(len(words) - size + 1):
            span = " ".join(words[start : start + size])
            found = find_by_name(span, members)
            if len(found) == 1:
                return MemberMatch(member=found[0], rest=words[:start] + words[start + size :])
            if len(found) > 1 and not result.ambiguous:
                result.ambiguous, result.ambiguous_words = found, span
    return result


def search(members: list[Member], query: str, limit: int) -> list[Member]:
    """The type-ahead: members whose name fits the query, by name; everyone for an empty query."""
    found = [m for m in members if names_match(query, m)] if query.strip() else list(members)
    return sorted(found, key=lambda m: fold(m.name))[: max(limit, 0)]
