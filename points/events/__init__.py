"""Events (议事协商会, 村民代表会议, 志愿服务) and attendance: check-in, check-out, points.

A meeting check-in awards the event's rule at once; volunteer work awards per hour at
check-out, in half-hour steps bounded by the event's times; closing an event settles anyone
not checked out at the event's end. Awards go through :func:`points.ledger.append` with the
household locked, in the caller's transaction, and respect the rule's monthly cap. One
active attendance per (event, resident) is a database constraint (a partial unique index): a
repeat scan returns it. An undone check-in stays as a row with its reason and its reversed
award; scanning the resident again after the undo checks them in anew, with a new award.

Where things live (each module imports only those above it in this list):

- :mod:`~points.events.errors`: the refusals (``event_not_open``, ``expired_code``, ...);
- :mod:`~points.events.subjects`: what a scan reads first, as plain rows;
- :mod:`~points.events.locks`: a scan's locks; the SQLite and PostgreSQL statements, one
  named function per operation;
- :mod:`~points.events.awarding`: the points of an attendance, volunteer hours;
- :mod:`~points.events.life`: create, get, list, open and close an event;
- :mod:`~points.events.checkin`: scan, card and manual check-in (the hot path);
- :mod:`~points.events.checkout`: check-out and undo;
- :mod:`~points.events.codes`: the rotating event code;
- :mod:`~points.events.reports`: attendance reports, flags, the host's search.

Callers use ``from points import events`` and ``events.<name>``: the public names are here.
"""

from points.events.awarding import rule_version_for, volunteer_half_hours
from points.events.checkin import (
    MAX_CLOCK_SKEW,
    CheckinResult,
    check_in,
    check_in_card,
    find_attendance,
    scan,
)
from points.events.checkout import check_out, undo_checkin
from points.events.codes import EVENT_PREFIX, WINDOW_SECONDS, resolve_rotating, rotating_payload
from points.events.errors import (
    AlreadyCheckedOut,
    AlreadyUndone,
    EventNotOpen,
    ExpiredCode,
    InvalidEventCode,
    InvalidTransition,
    NotCheckedIn,
    NotVolunteerEvent,
)
from points.events.life import close_event, create_event, get_event, list_events, open_event
from points.events.locks import hold_for_scan
from points.events.reports import (
    SUSPICIOUS_RESIDENTS_PER_DEVICE,
    SUSPICIOUS_WINDOW,
    AttendanceReport,
    attendance_report,
    attendances,
    search_for_event,
    suspicious,
)
from points.events.subjects import ScanEvent, ScanResident, ScanVersion, read_scan_subjects

__all__ = [
    "EVENT_PREFIX",
    "MAX_CLOCK_SKEW",
    "SUSPICIOUS_RESIDENTS_PER_DEVICE",
    "SUSPICIOUS_WINDOW",
    "WINDOW_SECONDS",
    "AlreadyCheckedOut",
    "AlreadyUndone",
    "AttendanceReport",
    "CheckinResult",
    "EventNotOpen",
    "ExpiredCode",
    "InvalidEventCode",
    "InvalidTransition",
    "NotCheckedIn",
    "NotVolunteerEvent",
    "ScanEvent",
    "ScanResident",
    "ScanVersion",
    "attendance_report",
    "attendances",
    "check_in",
    "check_in_card",
    "check_out",
    "close_event",
    "create_event",
    "find_attendance",
    "get_event",
    "hold_for_scan",
    "list_events",
    "open_event",
    "read_scan_subjects",
    "resolve_rotating",
    "rotating_payload",
    "rule_version_for",
    "scan",
    "search_for_event",
    "suspicious",
    "undo_checkin",
    "volunteer_half_hours",
]
