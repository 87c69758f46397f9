"""Every table of the points domain, registered on ``Base.metadata``: import this module (not
one of the model modules) where the whole schema is needed, as the migrations' environment
does. The model modules import only what lies below them: ``points.models`` the base, and
``points.event_models`` and ``points.tally_models`` the models they refer to."""

from points.db import Base
from points.event_models import Attendance, Event
from points.models import Award, Household, LedgerEntry, Resident, Rule, Village
from points.tally_models import ResidentMonth, VillageMonthTally

metadata = Base.metadata

__all__ = [
    "Attendance",
    "Award",
    "Event",
    "Household",
    "LedgerEntry",
    "Resident",
    "ResidentMonth",
    "Rule",
    "Village",
    "VillageMonthTally",
    "metadata",
]
