"""Graph sandbox, picker reads: joined teams, team members (paging, filter), and the fixture's tenant."""

from __future__ import annotations

import re
from pathlib import Path

from tests.fixtures_sandbox import (
    ADELE_OID,
    MEGAN_OID,
    MEMBER_OIDS,
    OUTSIDER_OID,
    TEAM_ID,
    TENANT_ID,
    UNSCHEDULED_TEAM_ID,
    SandboxHandle,
    assert_contract,
    assert_graph_error,
)

PLAYGROUND = Path(__file__).resolve().parent.parent / ".m365agentsplayground.yml"
MEMBERS = f"/teams/{TEAM_ID}/members"


def playground_users() -> set[tuple[str, str]]:
    """(name, aadObjectId) of the Agents Playground's mock people: currentUser and users."""
    text = PLAYGROUND.read_text(encoding="utf-8")
    return set(re.findall(r"name: (.+)\n\s+userPrincipleName: .+\n\s+aadObjectId: (\S+)", text))


async def test_joined_teams_are_the_callers_with_id_name_and_description_only(sandbox: SandboxHandle) -> None:
    adele = await sandbox.call("GET", "/me/joinedTeams")
    assert_contract("joinedTeamsCollectionResponse", adele.body)
    assert [t["id"] for t in adele.body["value"]] == [TEAM_ID, UNSCHEDULED_TEAM_ID]
    assert all(set(t) == {"id", "displayName", "description"} for t in adele.body["value"])
    megan = await sandbox.call("GET", "/me/joinedTeams", oid=MEGAN_OID)
    assert [t["displayName"] for t in megan.body["value"]] == ["Contoso Retail"]
    assert (await sandbox.call("GET", "/me/joinedTeams", oid=OUTSIDER_OID)).body["value"] == []


async def test_the_team_members_are_exactly_the_playground_users(sandbox: SandboxHandle) -> None:
    reply = await sandbox.call("GET", MEMBERS)
    assert_contract("conversationMemberCollectionResponse", reply.body)
    members = reply.body["value"]
    assert {(m["displayName"], m["userId"]) for m in members} == playground_users()
    assert {m["userId"] for m in members} == set(MEMBER_OIDS)
    assert {m["userId"]: m["roles"] for m in members}[ADELE_OID] == ["owner"]
    assert all(m["roles"] == [] for m in members if m["userId"] != ADELE_OID)
    assert all(m["tenantId"] == TENANT_ID and m["email"].endswith("@contoso.com") for m in members)
    assert all(m["@odata.type"] == "#microsoft.graph.aadUserConversationMember" for m in members)
    assert len({m["id"] for m in members}) == len(members) == 6


async def test_members_page_with_next_links_to_the_end(sandbox: SandboxHandle) -> None:
    url: str | None = sandbox.base_url + MEMBERS + "?$top=2"
    seen: list[str] = []
    while url:
        reply = await sandbox.call("GET", url)
        assert reply.status == 200
        assert len(reply.body["value"]) <= 2
        seen += [m["userId"] for m in reply.body["value"]]
        url = reply.body.get("@odata.nextLink")
        assert url is None or url.startswith(sandbox.root_url + "/beta/teams/")
    assert seen == list(MEMBER_OIDS)
    everything = await sandbox.call("GET", MEMBERS)  # default page size 100: one page
    assert "@odata.nextLink" not in everything.body


async def test_members_filter_by_user_id(sandbox: SandboxHandle) -> None:
    query = f"?$filter=(microsoft.graph.aadUserConversationMember/userId%20eq%20'{MEGAN_OID}')"
    reply = await sandbox.call("GET", MEMBERS + query)
    assert [m["displayName"] for m in reply.body["value"]] == ["Megan Bowen"]
    assert_graph_error(await sandbox.call("GET", MEMBERS + "?$filter=roles%20eq%20'owner'"), 400, "BadRequest")


async def test_members_of_a_team_the_caller_is_not_in_are_not_found(sandbox: SandboxHandle) -> None:
    reply = await sandbox.call("GET", f"/teams/{UNSCHEDULED_TEAM_ID}/members", oid=MEGAN_OID)
    assert_graph_error(reply, 404, "NotFound")
    assert_graph_error(await sandbox.call("GET", "/teams/nope/members"), 404, "NotFound")
