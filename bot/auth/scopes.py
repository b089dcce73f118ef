"""Delegated Microsoft Graph permissions per action, least privilege (../shared/graph/NOTES.md §4).

Each action asks for exactly its own scopes, never the union: creating a customer must not need the
Shifts admin consent, and a consent failure names only what that action needs."""

from __future__ import annotations

from collections.abc import Iterable

GRAPH_RESOURCE = "https://graph.microsoft.com"

# POST /solutions/bookingBusinesses/{id}/customers; also enough to list businesses and customers
# (Bookings.Read.All would be lower for the lists, but one scope per action keeps consent to one prompt).
CUSTOMER_SCOPES: tuple[str, ...] = ("BookingsAppointment.ReadWrite.All",)

# POST /teams/{id}/schedule/shifts (+ schedule and schedulingGroups reads), GET /me/joinedTeams,
# GET /teams/{id}/members for the team and member pickers.
SHIFT_SCOPES: tuple[str, ...] = ("Schedule.ReadWrite.All", "Team.ReadBasic.All", "TeamMember.Read.All")

# Everything the app registration must list as delegated Graph permissions.
ALL_SCOPES: tuple[str, ...] = CUSTOMER_SCOPES + SHIFT_SCOPES

# Delegated permissions that a tenant administrator must consent to (NOTES.md §4 table).
ADMIN_CONSENT_SCOPES: frozenset[str] = frozenset({"Schedule.ReadWrite.All", "TeamMember.Read.All"})

# OpenID Connect scopes MSAL adds on its own; passing them explicitly makes MSAL raise ValueError.
RESERVED_SCOPES: frozenset[str] = frozenset({"openid", "profile", "offline_access"})


def graph_scope(scope: str) -> str:
    """`Schedule.ReadWrite.All` -> `https://graph.microsoft.com/Schedule.ReadWrite.All` (idempotent)."""
    if scope in RESERVED_SCOPES:
        raise ValueError(f"{scope!r} is added by MSAL itself; do not request it")
    if scope.startswith(f"{GRAPH_RESOURCE}/"):
        return scope
    if "://" in scope:
        raise ValueError(f"{scope!r} is not a Microsoft Graph scope")
    return f"{GRAPH_RESOURCE}/{scope}"


def graph_scopes(scopes: Iterable[str]) -> list[str]:
    """MSAL's scope list for the given short names, in order, without duplicates."""
    return list(dict.fromkeys(graph_scope(s) for s in scopes))


def needs_admin_consent(scopes: Iterable[str]) -> bool:
    return any(short_name(s) in ADMIN_CONSENT_SCOPES for s in scopes)


def short_name(scope: str) -> str:
    return scope.removeprefix(f"{GRAPH_RESOURCE}/")
