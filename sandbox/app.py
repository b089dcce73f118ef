"""The sandbox application: a local stand-in for the slice of Microsoft Graph beta the bot uses."""

from __future__ import annotations

import functools
from pathlib import Path

from aiohttp import web
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey

from sandbox import appointments, bookings, requests, schedule, schedule_items, teams
from sandbox.controls import add_control_routes
from sandbox.faults import FaultBoard, RequestLog
from sandbox.middleware import graph_errors, injected_faults, request_ids, request_log
from sandbox.routing import Route, dispatcher, route
from sandbox.state import FAULTS, FIXTURE_PATH, PUBLIC_KEY, REQUEST_LOG, STORE, VALIDATOR, WRITE_LIMITER
from sandbox.store import DEFAULT_FIXTURE, SandboxStore, load_fixture
from sandbox.throttle import WRITES_PER_SECOND, WriteLimiter
from sandbox.validation import BodyValidator, load_schema

BETA_ROUTES: list[Route] = [
    route("GET", "solutions/bookingBusinesses", bookings.list_businesses),
    route("GET", "solutions/bookingBusinesses/{businessId}/customers", bookings.list_customers),
    route("POST", "solutions/bookingBusinesses/{businessId}/customers", bookings.create_customer),
    route("GET", "solutions/bookingBusinesses/{businessId}", bookings.get_business),
    route("GET", "solutions/bookingBusinesses/{businessId}/customers/{customerId}", bookings.get_customer),
    route("PATCH", "solutions/bookingBusinesses/{businessId}/customers/{customerId}", bookings.update_customer),
    route("DELETE", "solutions/bookingBusinesses/{businessId}/customers/{customerId}", bookings.delete_customer),
    route("GET", "solutions/bookingBusinesses/{businessId}/services", appointments.list_services),
    route("GET", "solutions/bookingBusinesses/{businessId}/staffMembers", appointments.list_staff),
    route("GET", "solutions/bookingBusinesses/{businessId}/calendarView", appointments.calendar_view),
    route("GET", "solutions/bookingBusinesses/{businessId}/appointments", appointments.list_appointments),
    route("POST", "solutions/bookingBusinesses/{businessId}/appointments", appointments.create_appointment),
    route("GET", "solutions/bookingBusinesses/{businessId}/appointments/{appointmentId}", appointments.get_appointment),
    route("GET", "me/joinedTeams", teams.joined_teams),
    route("GET", "teams/{teamId}/members", teams.list_members),
    route("GET", "teams/{teamId}/schedule", schedule.get_schedule),
    route("GET", "teams/{teamId}/schedule/schedulingGroups", schedule.list_scheduling_groups),
    route("GET", "teams/{teamId}/schedule/shifts", schedule.list_shifts),
    route("POST", "teams/{teamId}/schedule/shifts", schedule.create_shift),
    route("GET", "teams/{teamId}/schedule/shifts/{shiftId}", schedule.get_shift),
    route("PUT", "teams/{teamId}/schedule/shifts/{shiftId}", schedule.replace_shift),
    route("DELETE", "teams/{teamId}/schedule/shifts/{shiftId}", schedule.delete_shift),
    route("POST", "teams/{teamId}/schedule/share", schedule.share),
    route("GET", "teams/{teamId}/schedule/openShifts", schedule_items.list_open_shifts),
    route("POST", "teams/{teamId}/schedule/openShifts", schedule_items.create_open_shift),
    route("GET", "teams/{teamId}/schedule/openShifts/{openShiftId}", schedule_items.get_open_shift),
    route("PUT", "teams/{teamId}/schedule/openShifts/{openShiftId}", schedule_items.replace_open_shift),
    route("DELETE", "teams/{teamId}/schedule/openShifts/{openShiftId}", schedule_items.delete_open_shift),
    route("GET", "teams/{teamId}/schedule/timesOff", schedule_items.list_times_off),
    route("POST", "teams/{teamId}/schedule/timesOff", schedule_items.create_time_off),
    route("GET", "teams/{teamId}/schedule/timesOff/{timeOffId}", schedule_items.get_time_off),
    route("DELETE", "teams/{teamId}/schedule/timesOff/{timeOffId}", schedule_items.delete_time_off),
    route("GET", "teams/{teamId}/schedule/timeOffReasons", schedule_items.list_time_off_reasons),
    *requests.routes(),
]


@functools.cache
def _validator() -> BodyValidator:
    return BodyValidator(load_schema())


def create_sandbox_app(
    *,
    db_path: str | Path,
    public_key: RSAPublicKey | RSAPrivateKey,
    fixture_path: str | Path | None = None,
    reset: bool = False,
    writes_per_second: int = WRITES_PER_SECOND,
) -> web.Application:
    """The sandbox on the SQLite db at db_path, trusting tokens signed by public_key's private half.
    The fixture is loaded into the db when the db is new, or when reset is true."""
    fixture = Path(fixture_path) if fixture_path else DEFAULT_FIXTURE
    store = SandboxStore(db_path)
    if reset or not store.is_loaded():
        store.load(load_fixture(fixture))
    app = web.Application(middlewares=[request_ids, request_log, injected_faults, graph_errors])
    app[STORE] = store
    app[PUBLIC_KEY] = public_key.public_key() if isinstance(public_key, RSAPrivateKey) else public_key
    app[FIXTURE_PATH] = fixture
    app[FAULTS] = FaultBoard()
    app[REQUEST_LOG] = RequestLog()
    app[VALIDATOR] = _validator()
    app[WRITE_LIMITER] = WriteLimiter(writes_per_second)
    app.router.add_route("*", "/beta/{tail:.*}", dispatcher(BETA_ROUTES))
    add_control_routes(app)
    app.on_cleanup.append(_close_store)
    return app


async def _close_store(app: web.Application) -> None:
    app[STORE].close()
