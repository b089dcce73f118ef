"""Bookings operations: list and get businesses; list, create, get, update and delete customers."""

from __future__ import annotations

import base64
import os
import re
from typing import Any

from aiohttp import web

from sandbox.auth import caller_of, requires
from sandbox.errors import GraphError, not_found, request_body_read, unknown_property
from sandbox.odata import bad_query, context, json_response, key_literal, now_iso, page, read_json
from sandbox.routing import param
from sandbox.state import STORE, VALIDATOR
from sandbox.store import Doc
from sandbox.validation import ODATA_TYPES, Problem

BOOKINGS_WRITE = ("BookingsAppointment.ReadWrite.All", "Bookings.ReadWrite.All", "Bookings.Manage.All")
BOOKINGS_READ = ("Bookings.Read.All", *BOOKINGS_WRITE)

_EMAIL_FILTER = re.compile(r"^\s*emailAddress\s+eq\s+'((?:[^']|'')*)'\s*$")
_READ_ONLY = ("@odata.type", "id", "createdDateTime", "lastUpdatedDateTime")


@requires(*BOOKINGS_READ)
async def list_businesses(request: web.Request) -> web.Response:
    query = request.query.get("query", "").casefold()
    businesses = [
        {"id": b["id"], "displayName": b["displayName"]}
        for b in request.app[STORE].all_of("business")
        if query in b["displayName"].casefold()
    ]
    return json_response({"@odata.context": context("solutions/bookingBusinesses"), "value": businesses})


@requires(*BOOKINGS_READ)
async def list_customers(request: web.Request) -> web.Response:
    business = staffed_business(request)
    customers = request.app[STORE].all_of("customer", business["id"])
    email = _email_filter(request.query.get("$filter"))
    if email is not None:
        customers = [c for c in customers if (c.get("emailAddress") or "").casefold() == email.casefold()]
    body = {"@odata.context": _customers_context(business), **page(request, customers)}
    return json_response(body)


@requires(*BOOKINGS_READ)
async def get_business(request: web.Request) -> web.Response:
    business = staffed_business(request)
    public = {k: v for k, v in business.items() if k != "staffUserIds"}
    entity = {"@odata.context": context("solutions/bookingBusinesses/$entity"), **public}
    return json_response(entity)


@requires(*BOOKINGS_READ)
async def get_customer(request: web.Request) -> web.Response:
    business = staffed_business(request)
    customer = _existing_customer(request, business)
    return json_response({"@odata.context": _customers_context(business) + "/$entity", **customer})


@requires(*BOOKINGS_WRITE)
async def update_customer(request: web.Request) -> web.Response:
    """PATCH: a partial update; 200 with the updated customer (the beta and v1.0 pages)."""
    business = staffed_business(request)
    customer = _existing_customer(request, business)
    body = check_body(request, await read_json(request), "bookingCustomerUpdate")
    if "displayName" in body and not body["displayName"].strip():
        raise _invalid_model("displayName", "The DisplayName field is required.")
    updated = {**customer, **{k: v for k, v in body.items() if k not in _READ_ONLY}, "lastUpdatedDateTime": now_iso()}
    request.app[STORE].replace("customer", updated, business["id"])
    return json_response({"@odata.context": _customers_context(business) + "/$entity", **updated})


@requires(*BOOKINGS_WRITE)
async def delete_customer(request: web.Request) -> web.Response:
    business = staffed_business(request)
    customer = _existing_customer(request, business)
    request.app[STORE].delete("customer", customer["id"], business["id"])
    return web.Response(status=204)


def _existing_customer(request: web.Request, business: Doc) -> Doc:
    customer_id = param(request, "customerId")
    customer = request.app[STORE].get("customer", customer_id, business["id"])
    if customer is None:
        raise not_found(f"The customer '{customer_id}' was not found.")
    return customer


@requires(*BOOKINGS_WRITE)
async def create_customer(request: web.Request) -> web.Response:
    business = staffed_business(request)
    body = await read_json(request)
    check_customer(request, body)
    customer = new_customer(body)
    request.app[STORE].insert("customer", customer, business["id"])
    entity = {"@odata.context": _customers_context(business) + "/$entity", **customer}
    return json_response(entity, status=201)


def staffed_business(request: web.Request) -> Doc:
    """The business in the path; 404 if unknown, 403 ErrorFolderNotFound (Exchange's answer) if the
    caller is not one of its staff."""
    business_id = param(request, "businessId")
    business = request.app[STORE].get("business", business_id)
    if business is None:
        raise not_found(f"The booking business '{business_id}' was not found.")
    staff = {user_id.lower() for user_id in business.get("staffUserIds", [])}
    if caller_of(request).oid not in staff:
        raise GraphError(403, "ErrorFolderNotFound", "The specified folder could not be found in the store.")
    return business


def check_customer(request: web.Request, body: Any) -> None:
    check_body(request, body, "bookingCustomerCreate")
    if not body["displayName"].strip():
        raise _invalid_model("displayName", "The DisplayName field is required.")


def check_body(request: web.Request, body: Any, def_name: str) -> dict[str, Any]:
    """A JSON object valid against the contract's `def_name`, else Graph's 400 for the first problem."""
    if not isinstance(body, dict):
        raise request_body_read(f"A JSON object was expected for type '{ODATA_TYPES[def_name]}'.")
    problem = request.app[VALIDATOR].first_problem(def_name, body)
    if problem:
        raise customer_error(problem)
    return body


def customer_error(problem: Problem) -> GraphError:
    if problem.kind == "unknown" and problem.type_name:
        return unknown_property(problem.name, problem.type_name)
    if problem.kind == "required":
        return _invalid_model(problem.path, f"The {problem.name[:1].upper()}{problem.name[1:]} field is required.")
    if problem.kind == "enum":
        return _invalid_model(problem.path, f"Requested value '{problem.value}' was not found.")
    if problem.kind == "type" and problem.value is None:
        return request_body_read(
            f"A null value was found for the property named '{problem.name}', which has the expected type "
            "'Edm.String[Nullable=False]'. The expected type 'Edm.String[Nullable=False]' does not allow "
            "null values."
        )
    return request_body_read(f"Invalid value for property '{problem.path}': {problem.detail}")


def _invalid_model(path: str, message: str) -> GraphError:
    return GraphError(400, "InvalidModel", f"{path}: {message}")


def new_customer(body: dict[str, Any]) -> Doc:
    now = now_iso()
    fields = {k: v for k, v in body.items() if k not in _READ_ONLY}
    defaults: Doc = {"emailAddress": None, "addresses": [], "phones": []}
    return {"id": exchange_id(), **defaults, **fields, "createdDateTime": now, "lastUpdatedDateTime": now}


def exchange_id() -> str:
    """A new Bookings id: opaque base64, as Graph mints them since 2024 (NOTES §7 items 11 and 21)."""
    return "AAMk" + base64.urlsafe_b64encode(os.urandom(23)).decode()


def _customers_context(business: Doc) -> str:
    return context(f"solutions/bookingBusinesses('{key_literal(business['id'])}')/customers")


def _email_filter(expression: str | None) -> str | None:
    if expression is None:
        return None
    found = _EMAIL_FILTER.match(expression)
    if not found:
        raise bad_query(f"Invalid filter clause '{expression}'. The sandbox supports: emailAddress eq '<value>'.")
    return found.group(1).replace("''", "'")
