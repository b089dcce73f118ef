"""The POST /solutions/bookingBusinesses/{id}/customers body, strictly per the beta contract
(`bookingCustomerCreate` in ../shared/graph/graph-contract.schema.json): no read-only and no unknown
properties, since bookingCustomer is not an open type and Graph answers 400 RequestBodyRead to anything else."""

from __future__ import annotations

from typing import Any

from bot.customer.model import Address, NewCustomer, Phone


def customer_body(customer: NewCustomer) -> dict[str, Any]:
    return {
        "displayName": customer.display_name,
        "emailAddress": customer.email,
        "addresses": [address_body(a) for a in customer.addresses],
        "phones": [phone_body(p) for p in customer.phones],
    }


def address_body(address: Address) -> dict[str, Any]:
    # The card has no PO box field, yet postOfficeBox is always sent as "": that is what Microsoft's own
    # request example sends (the seed), so a customer made here looks exactly like one made per the docs,
    # and Bookings stores "" rather than null. Empty fields are sent as "" for the same reason.
    # Key order follows the seed, so logged bodies read like the docs.
    return {
        "postOfficeBox": "",
        "street": address.street,
        "city": address.city,
        "state": address.state,
        "countryOrRegion": address.country_or_region,
        "postalCode": address.postal_code,
        "type": address.type,
    }


def phone_body(phone: Phone) -> dict[str, Any]:
    return {"number": phone.number, "type": phone.type}


def email_filter(email: str) -> str:
    """OData $filter for one email. A quote inside a string literal is written twice (OData ABNF)."""
    return "emailAddress eq '{}'".format(email.replace("'", "''"))
