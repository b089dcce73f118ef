"""Finding a team member by what the manager typed: a name in /shift's arguments, an @mention, or the
type-ahead query of the member picker."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.shift.text import fold

MAX_NAME_WORDS = 4
MAX_SCANNED_WORDS = 64  # a name is looked for among the first words of a command, not in 28 KB of text


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
    return _fits(" ".join(fold(query).split()), _Name.of(member), min_prefix)


@dataclass(frozen=True)
class _Name:
    """A member's name folded once, not once per comparison."""

    member: Member
    words: tuple[str, ...]
    joined: str

    @staticmethod
    def of(member: Member) -> _Name:
        words = tuple(fold(member.name).split())
        return _Name(member, words, " ".join(words))


def _fits(wanted: str, name: _Name, min_prefix: int) -> bool:
    if name.joined == wanted:
        return True
    if len(wanted) < min_prefix:
        return False
    return name.joined.startswith(wanted) or any(part.startswith(wanted) for part in name.words)


def _find(wanted_words: tuple[str, ...], names: list[_Name]) -> list[Member]:
    exact = [n.member for n in names if n.words == wanted_words]
    wanted = " ".join(wanted_words)
    return exact or [n.member for n in names if _fits(wanted, n, 2)]


def find_by_name(name: str, members: list[Member]) -> list[Member]:
    """Exact (folded) name first; otherwise every member the name fits."""
    return _find(tuple(fold(name).split()), [_Name.of(m) for m in members])


def match_words(words: list[str], members: list[Member]) -> MemberMatch:
    """The longest run of words that names exactly one member. Runs that fit several are reported.
    Only the first MAX_SCANNED_WORDS words are looked at; names are folded once, and a run is compared only
    with the names that have a word starting with its first word."""
    result = MemberMatch(rest=list(words))
    by_start: dict[str, list[_Name]] = {}
    for name in map(_Name.of, members):
        for prefix in {part[:end] for part in name.words for end in range(1, len(part) + 1)}:
            by_start.setdefault(prefix, []).append(name)
    scanned = words[:MAX_SCANNED_WORDS]
    folded = [tuple(fold(word).split()) for word in scanned]
    for size in range(min(MAX_NAME_WORDS, len(scanned)), 0, -1):
        for start in range(len(scanned) - size + 1):
            first = folded[start]
            candidates = by_start.get(first[0], []) if first else []
            if not candidates:
                continue
            found = _find(tuple(part for word in folded[start : start + size] for part in word), candidates)
            if len(found) == 1:
                return MemberMatch(member=found[0], rest=words[:start] + words[start + size :])
            if len(found) > 1 and not result.ambiguous:
                result.ambiguous, result.ambiguous_words = found, " ".join(words[start : start + size])
    return result


def search(members: list[Member], query: str, limit: int) -> list[Member]:
    """The type-ahead: members whose name fits the query, by name; everyone for an empty query."""
    wanted = " ".join(fold(query).split())
    found = [n for n in map(_Name.of, members) if _fits(wanted, n, 1)] if wanted else list(map(_Name.of, members))
    return [n.member for n in sorted(found, key=lambda n: n.joined)][: max(limit, 0)]
