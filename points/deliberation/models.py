"""Tables of deliberation (议事协商): topics through the six steps, and what they gather.

A topic's life: collected → accepted or declined → researched → deliberated → published →
implementing → done, then rated. The meeting that deliberates is an :class:`Event` of the
check-in work; :class:`AgendaItem` links a meeting to each topic on its agenda and holds
that topic's outcome there (the next step adds bodies, quorum and votes beside it).
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
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
from points.models import Household, Resident, _enum

# 五议: what may be deliberated (the reports' wording; a village edits its own list).
DEFAULT_CATEGORIES = (
    "公共事务、公共环境、公益事业",
    "村民反映强烈的困难和纠纷",
    "政策在村级的落实",
    "法律法规明确协商的事项",
    "协商主体提出的事项",
)
# 三不议: what is not deliberated.
DEFAULT_DECLINE_REASONS = (
    "违反政策的事项不议",
    "违反法律法规的事项不议",
    "带有歧视性或不公平的事项不议",
)


class TopicStatus(enum.StrEnum):
    COLLECTED = "collected"  # 收集议题
    ACCEPTED = "accepted"  # 确定议题 (under a 五议 category)
    DECLINED = "declined"  # 三不议, or a written reason
    RESEARCHED = "researched"  # 议前调研 done: notes, parties, proposal, notice
    DELIBERATED = "deliberated"  # 协商议事: a result
    PUBLISHED = "published"  # 公开结果, inside or past the objection window
    IMPLEMENTING = "implementing"  # 跟踪落实
    DONE = "done"  # signed off by the supervisors; open for 民主测评
    MERGED = "merged"  # a duplicate folded into another topic (its proposers moved there)


class TopicSize(enum.StrEnum):
    SMALL = "small"  # 小事简商: two committee members may decide it with a note
    NORMAL = "normal"
    HARD = "hard"  # 难事众商: research and a meeting


class TopicSource(enum.StrEnum):
    RESIDENT = "resident"  # submitted by the resident from the phone
    VISIT = "visit"  # 网格员走访 (民情日志)
    BOX = "box"  # 意见箱
    WECHAT = "wechat"  # 微信群
    TALK_ROOM = "talk_room"  # 群众说事室
    MEETING = "meeting"  # 会议
    ASSIGNED = "assigned"  # 上级交办


class TopicForm(enum.StrEnum):
    """How a topic is deliberated."""

    FORUM = "forum"  # 座谈
    HEARING = "hearing"  # 论证 / 听证 (experts)
    FACE_TO_FACE = "face_to_face"  # 恳谈 (面对面 with the parties)
    ONLINE = "online"  # 网上 (comments, residents working away too)
    WRITTEN = "written"  # 书面


class RatingScore(enum.StrEnum):
    SATISFIED = "satisfied"  # 满意
    BASICALLY_SATISFIED = "basically_satisfied"  # 基本满意
    DISSATISFIED = "dissatisfied"  # 不满意


class TopicObjectionStatus(enum.StrEnum):
    OPEN = "open"
    UPHELD = "upheld"  # the publication stops; the topic goes back to be deliberated again
    DISMISSED = "dismissed"


class DeliberationSettings(Base):
    """A village's deliberation settings; made with the defaults when first read."""

    __tablename__ = "deliberation_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), unique=True)
    # Days a result stays on the board for objections before it may be implemented.
    publication_days: Mapped[int] = mapped_column(Integer, default=5)
    # Satisfaction rate (满意 + 基本满意, in percent) below which a done topic reopens.
    satisfaction_threshold: Mapped[int] = mapped_column(Integer, default=80)
    categories: Mapped[list[str]] = mapped_column(JSON, default=lambda: list(DEFAULT_CATEGORIES))
    decline_reasons: Mapped[list[str]] = mapped_column(
        JSON, default=lambda: list(DEFAULT_DECLINE_REASONS)
    )
    # Rules awarding a proposer whose topic is accepted and a resident who rates (none: no points).
    proposal_rule_id: Mapped[int | None] = mapped_column(ForeignKey("rules.id"))
    rating_rule_id: Mapped[int | None] = mapped_column(ForeignKey("rules.id"))

    __table_args__ = (
        CheckConstraint("publication_days >= 0 AND publication_days <= 30", name="pub_days"),
        CheckConstraint(
            "satisfaction_threshold >= 0 AND satisfaction_threshold <= 100", name="threshold"
        ),
    )

    def __repr__(self) -> str:
        return f"<DeliberationSettings village={self.village_id}>"


class Topic(Base):
    """议题: one matter through the six steps."""

    __tablename__ = "topics"

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")  # what and where
    place: Mapped[str] = mapped_column(String(200), default="")
    photo_path: Mapped[str | None] = mapped_column(String(200))
    source: Mapped[TopicSource] = mapped_column(_enum(TopicSource, "topic_source"))
    size: Mapped[TopicSize] = mapped_column(_enum(TopicSize, "topic_size"))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[TopicStatus] = mapped_column(_enum(TopicStatus, "topic_status"))
    # Screening: the 五议 category accepted under, or the decline reason shown to the proposer.
    category: Mapped[str] = mapped_column(String(100), default="")
    decline_reason: Mapped[str] = mapped_column(Text, default="")
    form: Mapped[TopicForm | None] = mapped_column(_enum(TopicForm, "topic_form"))
    # 议前调研: notes, the parties to hear, the proposal (议事方案) and the notice sent ahead.
    research_notes: Mapped[str] = mapped_column(Text, default="")
    parties: Mapped[str] = mapped_column(Text, default="")
    proposal: Mapped[str] = mapped_column(Text, default="")
    notice: Mapped[str] = mapped_column(Text, default="")
    # 协商议事: the result decided (a small matter's result carries its two deciders' note).
    result: Mapped[str] = mapped_column(Text, default="")
    # 公开结果: the window for objections; the written explanation to those who disagreed.
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    objection_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    explanation: Mapped[str] = mapped_column(Text, default="")
    # 跟踪落实: who carries it out and by when; the supervisor who signed it off.
    owner: Mapped[str] = mapped_column(String(100), default="")
    deadline: Mapped[date | None] = mapped_column(Date)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signed_off_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # 民主测评: ratings of the current round count; reopening starts a new round.
    rating_round: Mapped[int] = mapped_column(Integer, default=1)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    proposers: Mapped[list[TopicProposer]] = relationship(
        back_populates="topic", order_by="TopicProposer.id"
    )
    history: Mapped[list[TopicTransition]] = relationship(order_by="TopicTransition.id")

    __table_args__ = (
        # The lists: a village's topics by status, urgent first, oldest first.
        Index("ix_topics_village_status", "village_id", "status", "urgent", "created_at"),
        Index("ix_topics_village_created", "village_id", "created_at"),
    )

    def __repr__(self) -> str:
        return f"<Topic {self.id} {self.status} {self.size}>"


class TopicProposer(Base):
    """Who raised a topic (every proposer stays when duplicates are merged)."""

    __tablename__ = "topic_proposers"

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    # The staff member who entered it on the resident's behalf (none: the resident did).
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    source: Mapped[TopicSource] = mapped_column(_enum(TopicSource, "topic_source"))
    # The award for the proposal once accepted (points once, whatever is repeated).
    award_id: Mapped[int | None] = mapped_column(ForeignKey("awards.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    topic: Mapped[Topic] = relationship(back_populates="proposers")
    resident: Mapped[Resident] = relationship(lazy="joined")

    __table_args__ = (UniqueConstraint("topic_id", "resident_id"),)

    def __repr__(self) -> str:
        return f"<TopicProposer {self.topic_id}:{self.resident_id}>"


class TopicTransition(Base):
    """One step of a topic's history: from, to, when, by whom, and why."""

    __tablename__ = "topic_transitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(24))
    to_status: Mapped[str] = mapped_column(String(24))
    note: Mapped[str] = mapped_column(Text, default="")
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # A small matter's second deciding committee member.
    cosigner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    def __repr__(self) -> str:
        return f"<TopicTransition {self.topic_id} {self.from_status}→{self.to_status}>"


class AgendaItem(Base):
    """A topic on a meeting's agenda, and its outcome there (会议记录)."""

    __tablename__ = "agenda_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=1)
    minutes: Mapped[str] = mapped_column(Text, default="")  # the opinions heard
    result: Mapped[str] = mapped_column(Text, default="")
    passed: Mapped[bool | None] = mapped_column(Boolean)  # none: not decided yet
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    topic: Mapped[Topic] = relationship(lazy="joined")

    __table_args__ = (UniqueConstraint("event_id", "topic_id"),)

    def __repr__(self) -> str:
        return f"<AgendaItem event={self.event_id} topic={self.topic_id}>"


class TopicObjection(Base):
    """异议 to a published result, decided by the supervisor or admin."""

    __tablename__ = "topic_objections"

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[TopicObjectionStatus] = mapped_column(
        _enum(TopicObjectionStatus, "topic_objection_status"), default=TopicObjectionStatus.OPEN
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str] = mapped_column(Text, default="")

    resident: Mapped[Resident] = relationship(lazy="joined")

    __table_args__ = (UniqueConstraint("topic_id", "user_id"),)

    def __repr__(self) -> str:
        return f"<TopicObjection {self.id} {self.status}>"


class TopicProgress(Base):
    """A dated progress note of the implementation, with an optional photo."""

    __tablename__ = "topic_progress"

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id"), index=True)
    note: Mapped[str] = mapped_column(Text)
    photo_path: Mapped[str | None] = mapped_column(String(200))
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    def __repr__(self) -> str:
        return f"<TopicProgress {self.topic_id} {self.at}>"


class TopicRating(Base):
    """民主测评: one resident's rating of a done topic, one per resident per round."""

    __tablename__ = "topic_ratings"

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id"))
    round: Mapped[int] = mapped_column(Integer, default=1)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    score: Mapped[RatingScore] = mapped_column(_enum(RatingScore, "rating_score"))
    comment: Mapped[str] = mapped_column(Text, default="")
    # Staff rating for a resident without a phone, and why (logged).
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    proxy_reason: Mapped[str] = mapped_column(Text, default="")
    # The points for taking part (an entry like an attendance's; once per rating).
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"), unique=True)
    points_awarded: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    resident: Mapped[Resident] = relationship(lazy="joined")

    __table_args__ = (UniqueConstraint("topic_id", "round", "resident_id"),)

    def __repr__(self) -> str:
        return f"<TopicRating {self.topic_id}:{self.resident_id} {self.score}>"


class VisitLog(Base):
    """民情日志: a grid worker's visit to a household and what was raised there."""

    __tablename__ = "visit_logs"

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"))
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))
    visited_on: Mapped[date] = mapped_column(Date)
    raised: Mapped[str] = mapped_column(Text)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The topic the raised matter became (one tap), if it did.
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    household: Mapped[Household] = relationship(lazy="joined")
    resident: Mapped[Resident | None] = relationship(lazy="joined")

    __table_args__ = (Index("ix_visit_logs_village_visited", "village_id", "visited_on"),)

    def __repr__(self) -> str:
        return f"<VisitLog {self.household_id} {self.visited_on}>"

