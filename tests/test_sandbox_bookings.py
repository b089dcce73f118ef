"""Graph sandbox, Bookings: create and list customers, list businesses. Real sockets."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from tests.fixtures_sandbox import (
    ADELE_OID,
    BUSINESS_ID,
    MEGAN_OID,
    OTHER_BUSINESS_ID,
    SandboxHandle,
    assert_contract,
    assert_graph_error,
)

SEEDS = Path(__file__).parent / "data" / "seeds"
CUSTOMERS = f"/solutions/bookingBusinesses/{quote(BUSINESS_ID, safe='')}/customers"
SERVER_FIELDS = ("@odata.context", "id", "createdDateTime", "lastUpdatedDateTime")


def seed_customer() -> dict[str, Any]:
    return json.loads((SEEDS / "create-bookingcustomer.example.json").read_text())


def customer(name: str = "Joni Sherman", email: str | None = "jonis@relecloud.com", **extra: Any) -> dict[str, Any]:
    return {"displayName": name, "emailAddress": email, **extra}


async def test_the_seed_request_is_created_and_echoed(sandbox: SandboxHandle) -> None:
    seed = seed_customer()
    reply = await sandbox.call("POST", CUSTOMERS, json=seed["request"])
    assert reply.status == 201, reply.body
    assert_contract("bookingCustomer", reply.body)
    assert reply.body["id"]
    assert reply.body["@odata.context"].casefold() == seed["response"]["@odata.context"].casefold()
    assert {k: v for k, v in reply.body.items() if k not in SERVER_FIELDS} == seed["request"]
    assert reply.headers["request-id"] and reply.headers["client-request-id"]


async def test_the_new_customer_is_listed_and_found_by_email_ignoring_case(sandbox: SandboxHandle) -> None:
    created = (await sandbox.call("POST", CUSTOMERS, json=customer(email="Joni.S@Relecloud.com"))).body
    listed = await sandbox.call("GET", CUSTOMERS)
    assert listed.status == 200
    assert_contract("bookingCustomerCollectionResponse", listed.body)
    assert created["id"] in [c["id"] for c in listed.body["value"]]
    found = await sandbox.call("GET", CUSTOMERS + "?$filter=emailAddress%20eq%20'joni.s%40relecloud.com'")
    assert [c["id"] for c in found.body["value"]] == [created["id"]]


async def test_duplicate_emails_are_allowed_as_in_graph(sandbox: SandboxHandle) -> None:
    first = await sandbox.call("POST", CUSTOMERS, json=customer())
    second = await sandbox.call("POST", CUSTOMERS, json=customer())
    assert (first.status, second.status) == (201, 201)
    assert first.body["id"] != second.body["id"]
    found = await sandbox.call("GET", CUSTOMERS + "?$filter=emailAddress%20eq%20'jonis%40relecloud.com'")
    assert len(found.body["value"]) == 2


async def test_megan_as_staff_may_create_too(sandbox: SandboxHandle) -> None:
    reply = await sandbox.call("POST", CUSTOMERS, oid=MEGAN_OID, json=customer())
    assert reply.status == 201


@pytest.mark.parametrize(
    ("patch", "name", "type_name"),
    [
        ({"nickname": "J"}, "nickname", "microsoft.graph.bookingCustomer"),
        ({"addresses": [{"street": "1 Main St", "zip": "98052"}]}, "zip", "microsoft.graph.physicalAddress"),
        ({"phones": [{"number": "1", "type": "home"}, {"number": "2", "ext": "4"}]}, "ext", "microsoft.graph.phone"),
    ],
)
async def test_unknown_properties_are_refused_naming_their_type(
    sandbox: SandboxHandle, patch: dict[str, Any], name: str, type_name: str
) -> None:
    reply = await sandbox.call("POST", CUSTOMERS, json=customer(**patch))
    error = assert_graph_error(reply, 400, "RequestBodyRead")
    assert error["message"] == (
        f"The property '{name}' does not exist on type '{type_name}'. Make sure to only use property names "
        "that are defined by the type or mark the type as open type."
    )


@pytest.mark.parametrize(
    ("patch", "value"),
    [
        ({"phones": [{"number": "206-555-0100", "type": "cell"}]}, "cell"),
        ({"addresses": [{"street": "1 Main St", "type": "shop"}]}, "shop"),
    ],
)
async def test_bad_enum_values_are_invalid_model(sandbox: SandboxHandle, patch: dict[str, Any], value: str) -> None:
    reply = await sandbox.call("POST", CUSTOMERS, json=customer(**patch))
    error = assert_graph_error(reply, 400, "InvalidModel")
    assert f"'{value}'" in error["message"]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"emailAddress": "x@y.com"}, "InvalidModel"),
        (customer(name=""), "InvalidModel"),
        (customer(name="   "), "InvalidModel"),
        ({"displayName": None}, "RequestBodyRead"),
        (customer(email=42), "RequestBodyRead"),
        ([customer()], "RequestBodyRead"),
    ],
)
async def test_display_name_is_required_and_types_are_checked(sandbox: SandboxHandle, body: Any, code: str) -> None:
    reply = await sandbox.call("POST", CUSTOMERS, json=body)
    error = assert_graph_error(reply, 400, code)
    if code == "InvalidModel":
        assert error["message"].startswith("displayName:")


async def test_a_body_that_is_not_json_is_refused(sandbox: SandboxHandle) -> None:
    headers = {"Content-Type": "application/json"}
    for raw in ("{not json", ""):
        token = await sandbox.token()
        async with sandbox.http.post(
            sandbox.base_url + CUSTOMERS, data=raw, headers={**headers, "Authorization": f"Bearer {token}"}
        ) as response:
            assert response.status == 400
            assert (await response.json())["error"]["code"] == "RequestBodyRead"


async def test_read_only_properties_are_accepted_but_the_server_assigns_them(sandbox: SandboxHandle) -> None:
    body = customer(id="mine", createdDateTime="2020-01-01T00:00:00Z")
    body["@odata.type"] = "#microsoft.graph.bookingCustomer"
    reply = await sandbox.call("POST", CUSTOMERS, json=body)
    assert reply.status == 201
    assert reply.body["id"] != "mine"
    assert reply.body["createdDateTime"] != "2020-01-01T00:00:00Z"


async def test_a_caller_who_is_not_staff_gets_error_folder_not_found(sandbox: SandboxHandle) -> None:
    path = f"/solutions/bookingBusinesses/{quote(OTHER_BUSINESS_ID, safe='')}/customers"
    assert_graph_error(await sandbox.call("POST", path, json=customer()), 403, "ErrorFolderNotFound")
    assert_graph_error(await sandbox.call("GET", path), 403, "ErrorFolderNotFound")


async def test_an_unknown_business_is_not_found(sandbox: SandboxHandle) -> None:
    path = "/solutions/bookingBusinesses/nobody%40contoso.com/customers"
    assert_graph_error(await sandbox.call("POST", path, json=customer()), 404, "NotFound")
    assert_graph_error(await sandbox.call("GET", path), 404, "NotFound")


async def test_business_ids_and_segments_compare_ignoring_case_like_graph(sandbox: SandboxHandle) -> None:
    # The French docs page writes `bookingbusinesses` and an unencoded `@`; Graph takes both.
    path = "/solutions/bookingbusinesses/ContosoLunchDelivery@contoso.com/customers"
    reply = await sandbox.call("POST", path, json=customer())
    assert reply.status == 201
    assert "('contosolunchdelivery%40contoso.com')" in reply.body["@odata.context"]


async def test_customers_page_with_an_absolute_next_link_that_works_verbatim(sandbox: SandboxHandle) -> None:
    for index in range(3):
        await sandbox.call("POST", CUSTOMERS, json=customer(name=f"Guest {index}", email="guest@example.com"))
    url = sandbox.base_url + CUSTOMERS + "?$top=2&$filter=emailAddress%20eq%20'GUEST%40example.com'"
    names: list[str] = []
    pages = 0
    headers = await sandbox.auth()
    while url:
        async with sandbox.http.get(url, headers=headers) as response:  # the nextLink as a plain string
            assert response.status == 200
            page = await response.json()
        assert_contract("bookingCustomerCollectionResponse", page)
        names += [c["displayName"] for c in page["value"]]
        url = page.get("@odata.nextLink")
        assert url is None or url.startswith(sandbox.base_url + "/solutions/")
        pages += 1
    assert (pages, names) == (2, ["Guest 0", "Guest 1", "Guest 2"])


async def test_unsupported_filters_and_bad_top_are_bad_requests(sandbox: SandboxHandle) -> None:
    assert_graph_error(await sandbox.call("GET", CUSTOMERS + "?$filter=displayName%20eq%20'x'"), 400, "BadRequest")
    assert_graph_error(await sandbox.call("GET", CUSTOMERS + "?$top=0"), 400, "BadRequest")
    assert_graph_error(await sandbox.call("GET", CUSTOMERS + "?$skiptoken=nonsense"), 400, "BadRequest")


async def test_businesses_list_only_id_and_display_name_of_every_business(sandbox: SandboxHandle) -> None:
    reply = await sandbox.call("GET", "/solutions/bookingBusinesses", oid=ADELE_OID)
    assert reply.status == 200
    assert_contract("bookingBusinessCollectionResponse", reply.body)
    assert reply.body["value"] == [
        {"id": BUSINESS_ID, "displayName": "Contoso Lunch Delivery"},
        {"id": OTHER_BUSINESS_ID, "displayName": "Fabrikam Salon"},
    ]


async def test_the_seed_request_is_not_modified_by_the_server(sandbox: SandboxHandle) -> None:
    seed = seed_customer()["request"]
    sent = copy.deepcopy(seed)
    await sandbox.call("POST", CUSTOMERS, json=sent)
    assert (await sandbox.requests())[-1]["body"] == seed
