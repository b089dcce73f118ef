"""Least-privilege delegated Graph scopes per action (../shared/graph/NOTES.md §4)."""

from __future__ import annotations

import pytest

from bot.auth.scopes import (
    ADMIN_CONSENT_SCOPES,
    ALL_SCOPES,
    CUSTOMER_SCOPES,
    SHIFT_SCOPES,
    graph_scope,
    graph_scopes,
    needs_admin_consent,
)


def test_each_action_has_exactly_its_scopes():
    assert CUSTOMER_SCOPES == ("BookingsAppointment.ReadWrite.All",)
    assert SHIFT_SCOPES == ("Schedule.ReadWrite.All", "Team.ReadBasic.All", "TeamMember.Read.All")
    assert set(ALL_SCOPES) == set(CUSTOMER_SCOPES) | set(SHIFT_SCOPES)


def test_no_broad_or_application_scopes():
    broad = {"Group.ReadWrite.All", "Group.Read.All", "Bookings.Manage.All", "Directory.Read.All"}
    assert not broad & set(ALL_SCOPES)
    assert not any(s.endswith(".default") for s in ALL_SCOPES)


def test_graph_scopes_are_fully_qualified_for_msal():
    assert graph_scopes(CUSTOMER_SCOPES) == ["https://graph.microsoft.com/BookingsAppointment.ReadWrite.All"]
    assert graph_scopes(["Team.ReadBasic.All", "https://graph.microsoft.com/Team.ReadBasic.All"]) == [
        "https://graph.microsoft.com/Team.ReadBasic.All"
    ]


@pytest.mark.parametrize("bad", ["openid", "offline_access", "profile", "api://other/access_as_user"])
def test_reserved_and_foreign_scopes_are_refused(bad):
    with pytest.raises(ValueError):
        graph_scope(bad)


def test_admin_consent():
    assert needs_admin_consent(SHIFT_SCOPES)
    assert not needs_admin_consent(CUSTOMER_SCOPES)
    assert ADMIN_CONSENT_SCOPES <= set(ALL_SCOPES)
