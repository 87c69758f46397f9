"""Why a check-in earned no points ("+0 分" says why): read from the event and its
attendances, without another query."""

from __future__ import annotations

from typing import Any

from points.event_models import EventKind

AT_CHECKOUT = "at_checkout"  # a volunteer event pays by the hour, at check-out
HOUSEHOLD_DONE = "household_done"  # one attendee per household earns, and one already did
MONTHLY_CAP = "monthly_cap"  # the rule's monthly cap for the resident is reached


def zero_reasons(event: Any, rows: list[Any]) -> dict[int, str]:
    """For each present attendance among ``rows`` that earned 0 points, why (a code above)."""
    earned_households = {
        a.household_id for a in rows if a.undone_at is None and a.points_awarded > 0
    }
    out: dict[int, str] = {}
    for a in rows:
        if a.undone_at is not None or a.points_awarded:
            continue
        if event.kind == EventKind.VOLUNTEER and a.checked_out_at is None:
            out[a.id] = AT_CHECKOUT
        elif event.one_per_household and a.household_id in earned_households:
            out[a.id] = HOUSEHOLD_DONE
        else:
            out[a.id] = MONTHLY_CAP
    return out
