"""Every table of the points domain, registered on ``Base.metadata``: import this module (not
one of the model modules) where the whole schema is needed, as the migrations' environment
does. The model modules import only what lies below them: ``points.models`` the base, and
``points.event_models`` and ``points.tally_models`` the models they refer to."""

from points.board_models import BoardSettings, LedgerAnchor, Posting
from points.db import Base
from points.deliberation.body_models import Body, Meeting
from points.deliberation.models import Topic
from points.event_models import Attendance, Event
from points.household_models import HouseholdChange
from points.models import Award, Household, LedgerEntry, Resident, Rule, Village
from points.tally_models import ResidentMonth, VillageMonthTally
from points.throttle import LoginFailureCount
from points.upload_models import Upload

metadata = Base.metadata

__all__ = [
    "Attendance",
    "BoardSettings",
    "Body",
    "LedgerAnchor",
    "LoginFailureCount",
    "Meeting",
    "Posting",
    "Topic",
    "Upload",
    "Award",
    "Event",
    "Household",
    "HouseholdChange",
    "LedgerEntry",
    "Resident",
    "ResidentMonth",
    "Rule",
    "Village",
    "VillageMonthTally",
    "metadata",
]
