"""The POST …/appointments body, per the beta contract (`bookingAppointmentCreate`): `start`/`end` in UTC, the
service, the staff member, and the customer as a `bookingCustomerInformation` (its `@odata.type` is required:
`customers` is typed with an abstract base, NOTES §7 item 14). Nothing computed or read-only is sent."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.bookings.validation import NewAppointment


def appointment_body(appointment: NewAppointment) -> dict[str, Any]:
    customer = appointment.customer
    return {
        "serviceId": appointment.service_id,
        "start": graph_time(appointment.start),
        "end": graph_time(appointment.end),
        "staffMemberIds": [appointment.staff_id],
        "customerTimeZone": appointment.zone,
        "customers": [
            {
                "@odata.type": "#microsoft.graph.bookingCustomerInformation",
                "customerId": customer.get("id") or None,
                "name": customer.get("name") or None,
                "emailAddress": customer.get("email") or None,
                "phone": customer.get("phone") or None,
                "timeZone": appointment.zone,
            }
        ],
    }


def graph_time(moment: datetime) -> dict[str, str]:
    """dateTimeTimeZone in UTC, in the docs' request style: {"dateTime": "2018-05-01T12:00:00.0000000+00:00"}."""
    return {"dateTime": moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.0000000+00:00"), "timeZone": "UTC"}
