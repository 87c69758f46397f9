"""Tables of who deliberates and how a meeting decides (议事主体与表决).

Bodies (议事协商委员会 1+7+X, 两委, 党员, 支委, 监委会) and their members with terms; the
talent pool (人才库); villagers' representatives (村民代表) nominated by household
co-signatures and confirmed at a group meeting; meetings of a kind linked to an
:class:`~points.event_models.Event` (who is invited, its quorum); votes per agenda item with
their ballots; the 四议两公开 chain of a major matter; and escalations beyond the body.
Kinds are stored as short strings checked by the services (the lists below).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from points.clock import now
from points.db import Base, UTCDateTime
from points.models import Resident

# Meetings of a kind; the body whose members are invited (None: a roster or the village).
MEETING_KINDS = {
    "village_assembly": "村民会议",
    "representatives": "村民代表会议",
    "deliberation": "议事协商会议",
    "committees": "两委会",
    "party_members": "党员大会",
    "supervisory": "监委会会议",
    "party_branch": "党组织会议",
}
BODY_KINDS = {
    "deliberation": "议事协商委员会",
    "committees": "村两委",
    "party_members": "党员",
    "supervisory": "村务监督委员会",
    "party_branch": "村党组织",
}
# The meeting kinds that call a body's members (the others: the roster or the village).
BODY_OF_MEETING = {k: k for k in BODY_KINDS}
MEMBER_ROLES = {"convener": "召集人", "member": "成员", "x": "列席（X）"}
X_KINDS = {"stakeholder": "利益相关方", "expert": "专家", "department": "部门人员"}
VOTE_CHOICES = ("for", "against", "abstain")
# Quorum defaults per meeting kind: more than num/den of those called (the law's defaults:
# 村民代表会议 more than two thirds; 村民会议 more than half of the adults, or two thirds of
# the households, checked beside it).
DEFAULT_QUORUM = {
    "village_assembly": [1, 2],
    "representatives": [2, 3],
    "deliberation": [1, 2],
    "committees": [1, 2],
    "party_members": [1, 2],
    "supervisory": [1, 2],
    "party_branch": [1, 2],
}
DEFAULT_MAJOR_CATEGORIES = ("项目建设", "集体资产和资金", "土地")


class MeetingSettings(Base):
    """A village's meeting rules; the defaults when no row exists."""

    __tablename__ = "meeting_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), unique=True)
    households_per_representative: Mapped[int] = mapped_column(Integer, default=15)
    # {kind: [num, den]}: more than num/den of those called must be present.
    quorum: Mapped[dict] = mapped_column(JSON, default=lambda: dict(DEFAULT_QUORUM))
    # A motion passes with more than pass_num/pass_den of those present voting for it.
    pass_num: Mapped[int] = mapped_column(Integer, default=1)
    pass_den: Mapped[int] = mapped_column(Integer, default=2)
    # 四议两公开: the categories of major matters that must go through the chain.
    major_categories: Mapped[list[str]] = mapped_column(
        JSON, default=lambda: list(DEFAULT_MAJOR_CATEGORIES)
    )
    # {meeting kind: rule id}: the duty points of a member (a representative) who attends.
    duty_rules: Mapped[dict] = mapped_column(JSON, default=dict)

    def __repr__(self) -> str:
        return f"<MeetingSettings village={self.village_id}>"


class Body(Base):
    """A body that deliberates or decides (one per kind per village), with its rules."""

    __tablename__ = "deliberation_bodies"

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"))
    kind: Mapped[str] = mapped_column(String(24))
    name: Mapped[str] = mapped_column(String(100))
    honorary_head: Mapped[str] = mapped_column(String(100), default="")  # 名誉主任
    rules_text: Mapped[str] = mapped_column(Text, default="")  # 议事规程
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    members: Mapped[list[BodyMember]] = relationship(order_by="BodyMember.id")

    __table_args__ = (UniqueConstraint("village_id", "kind"),)

    def __repr__(self) -> str:
        return f"<Body {self.id} {self.kind}>"


class Talent(Base):
    """人才库: a person the village can draw on as an X, with skills."""

    __tablename__ = "talents"

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))
    name: Mapped[str] = mapped_column(String(50))
    organisation: Mapped[str] = mapped_column(String(100), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    skills: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    def __repr__(self) -> str:
        return f"<Talent {self.id}>"


class BodyMember(Base):
    """A member of a body: a resident or an outside person, for a term (fixed members) or
    for one topic (the X)."""

    __tablename__ = "body_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("deliberation_bodies.id"), index=True)
    role: Mapped[str] = mapped_column(String(24))  # convener, member, x
    x_kind: Mapped[str] = mapped_column(String(24), default="")  # stakeholder, expert, ...
    duty: Mapped[str] = mapped_column(String(100), default="")  # 监委会成员, 村民小组长, 乡贤
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))
    name: Mapped[str] = mapped_column(String(50))
    organisation: Mapped[str] = mapped_column(String(100), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    talent_id: Mapped[int | None] = mapped_column(ForeignKey("talents.id"))
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id"))  # an X's topic
    term_start: Mapped[date | None] = mapped_column(Date)
    term_end: Mapped[date | None] = mapped_column(Date)
    by_election: Mapped[bool] = mapped_column(Boolean, default=False)  # 补选
    left_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    resident: Mapped[Resident | None] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<BodyMember {self.id} {self.role}>"


class RepresentativeTerm(Base):
    """A term (届) of the villagers' representatives."""

    __tablename__ = "representative_terms"

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # ended early, or closed
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    def __repr__(self) -> str:
        return f"<RepresentativeTerm {self.id}>"


class Nomination(Base):
    """A resident nominated as representative of a group for a term; confirmed or not at a
    group meeting (status open, confirmed, rejected)."""

    __tablename__ = "representative_nominations"

    id: Mapped[int] = mapped_column(primary_key=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("representative_terms.id"), index=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"))
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))
    status: Mapped[str] = mapped_column(String(24), default="open")
    present: Mapped[int | None] = mapped_column(Integer)
    votes_for: Mapped[int | None] = mapped_column(Integer)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    resident: Mapped[Resident] = relationship(lazy="joined")
    signatures: Mapped[list[NominationSignature]] = relationship(order_by="NominationSignature.id")

    __table_args__ = (UniqueConstraint("term_id", "resident_id"),)

    def __repr__(self) -> str:
        return f"<Nomination {self.id} {self.status}>"


class NominationSignature(Base):
    """A household's co-signature of a nomination: one per household per term."""

    __tablename__ = "nomination_signatures"

    id: Mapped[int] = mapped_column(primary_key=True)
    nomination_id: Mapped[int] = mapped_column(
        ForeignKey("representative_nominations.id"), index=True
    )
    term_id: Mapped[int] = mapped_column(ForeignKey("representative_terms.id"))
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    __table_args__ = (UniqueConstraint("term_id", "household_id"),)


class Meeting(Base):
    """A meeting of a kind: the event (with its QR check-in) and who it calls."""

    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), unique=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"))
    kind: Mapped[str] = mapped_column(String(24))
    body_id: Mapped[int | None] = mapped_column(ForeignKey("deliberation_bodies.id"))
    term_id: Mapped[int | None] = mapped_column(ForeignKey("representative_terms.id"))
    notice: Mapped[str] = mapped_column(Text, default="")  # 会前通知
    noticed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    duty_settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    __table_args__ = (Index("ix_meetings_village_kind", "village_id", "kind"),)

    def __repr__(self) -> str:
        return f"<Meeting {self.id} {self.kind}>"


class Vote(Base):
    """表决 on one agenda item: counted by show of hands, or by ballots of present members."""

    __tablename__ = "agenda_votes"

    id: Mapped[int] = mapped_column(primary_key=True)
    agenda_item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id"), unique=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    method: Mapped[str] = mapped_column(String(24))  # count (举手) or ballot
    status: Mapped[str] = mapped_column(String(24), default="open")  # open, closed
    present: Mapped[int] = mapped_column(Integer, default=0)
    called: Mapped[int] = mapped_column(Integer, default=0)
    for_count: Mapped[int] = mapped_column(Integer, default=0)
    against_count: Mapped[int] = mapped_column(Integer, default=0)
    abstain_count: Mapped[int] = mapped_column(Integer, default=0)
    passed: Mapped[bool | None] = mapped_column(Boolean)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<Vote {self.id} {self.status} {self.passed}>"


class Ballot(Base):
    """One present member's vote on an item."""

    __tablename__ = "agenda_ballots"

    id: Mapped[int] = mapped_column(primary_key=True)
    vote_id: Mapped[int] = mapped_column(ForeignKey("agenda_votes.id"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))
    choice: Mapped[str] = mapped_column(String(24))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    cast_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    __table_args__ = (UniqueConstraint("vote_id", "resident_id"),)


class Chain(Base):
    """四议两公开 of a major matter: its stages done so far, in order."""

    __tablename__ = "decision_chains"

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id"), unique=True)
    category: Mapped[str] = mapped_column(String(100))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    stages: Mapped[list[ChainStage]] = relationship(order_by="ChainStage.position")

    def __repr__(self) -> str:
        return f"<Chain {self.id} topic={self.topic_id}>"


class ChainStage(Base):
    """One stage done: the meeting and its vote, or the publication's text."""

    __tablename__ = "decision_chain_stages"

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("decision_chains.id"), index=True)
    stage: Mapped[str] = mapped_column(String(24))
    position: Mapped[int] = mapped_column(Integer)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"))
    vote_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_votes.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    done_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    __table_args__ = (UniqueConstraint("chain_id", "stage"),)


class Escalation(Base):
    """A topic sent beyond the body: to a 村民(代表)会议 vote, or to the town/county, which
    answers it (status open, answered)."""

    __tablename__ = "topic_escalations"

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id"), index=True)
    level: Mapped[str] = mapped_column(String(24))  # village_meeting, town, county
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(24), default="open")
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    def __repr__(self) -> str:
        return f"<Escalation {self.id} {self.level} {self.status}>"
