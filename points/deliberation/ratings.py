"""民主测评: residents rate a done topic 满意 / 基本满意 / 不满意; a rate below the village's
threshold sends it back to implementation with the comments."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from points import audit
from points.clock import now
from points.deliberation import rewards
from points.deliberation.models import RatingScore, Topic, TopicRating, TopicStatus
from points.deliberation.settings import get_settings
from points.deliberation.topics import InvalidTransition, clean_text, get_topic, move
from points.errors import DomainError, Forbidden, NotFound, ValidationFailed
from points.models import Resident, ResidentStatus, User, Village

S = TopicStatus


class AlreadyRated(DomainError):
    code = "already_rated"


@dataclass
class Tally:
    satisfied: int = 0
    basically_satisfied: int = 0
    dissatisfied: int = 0

    @property
    def total(self) -> int:
        return self.satisfied + self.basically_satisfied + self.dissatisfied

    @property
    def rate(self) -> float | None:
        """满意率: (满意 + 基本满意) / all ratings; none before the first rating."""
        if not self.total:
            return None
        return round((self.satisfied + self.basically_satisfied) / self.total, 4)

    def as_dict(self) -> dict:
        return {
            "satisfied": self.satisfied,
            "basically_satisfied": self.basically_satisfied,
            "dissatisfied": self.dissatisfied,
            "total": self.total,
            "rate": self.rate,
        }


def rate(
    session: Session,
    topic: Topic,
    *,
    village: Village,
    by: User,
    score: str | None,
    comment: str | None = "",
    resident: Resident | None = None,
    proxy_reason: str | None = None,
) -> TopicRating:
    """One rating per resident (per round). Staff may rate for a resident without a phone,
    with the reason logged. Rating earns the rating rule's points once per topic, whatever
    the rounds. The topic's state and round are read under its lock (a close of the round
    waits, or has happened)."""
    topic = get_topic(session, village.id, topic.id, lock=True)
    if topic.status != S.DONE:
        raise InvalidTransition(status=topic.status.value, to="rated")
    try:
        score_value = RatingScore(score)
    except ValueError:
        raise ValidationFailed(
            {"score": "satisfied, basically_satisfied or dissatisfied"}
        ) from None
    comment = clean_text(comment, "comment", limit=500)
    proxy = resident is not None and resident.id != by.resident_id
    if proxy:
        if not by.is_staff:
            raise Forbidden("staff rate on a resident's behalf")
        if resident.village_id != village.id:
            raise NotFound("resident")
        proxy_reason = clean_text(proxy_reason, "proxy_reason", required=True, limit=200)
    else:
        resident = by.resident
        if resident is None or resident.village_id != village.id:
            raise Forbidden("only residents of the village rate")
        proxy_reason = ""
    if resident.status != ResidentStatus.ACTIVE:
        raise ValidationFailed({"resident_id": "not an active resident"})
    row = TopicRating(
        topic_id=topic.id,
        round=topic.rating_round,
        resident_id=resident.id,
        score=score_value,
        comment=comment,
        recorded_by_id=by.id,
        proxy_reason=proxy_reason,
        created_at=now(),
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        raise AlreadyRated(topic_id=topic.id) from None
    rewards.reward_rating(session, village, row)
    if proxy:
        audit.record(
            session,
            action="topic.rating.proxy",
            obj=row,
            by_id=by.id,
            village_id=village.id,
            after={"resident_id": resident.id, "reason": proxy_reason},
        )
    return row


def tally(session: Session, topic: Topic) -> Tally:
    rows = session.execute(
        select(TopicRating.score, func.count(TopicRating.id))
        .where(TopicRating.topic_id == topic.id, TopicRating.round == topic.rating_round)
        .group_by(TopicRating.score)
    )
    out = Tally()
    for score, n in rows:
        setattr(out, RatingScore(score).value, n)
    return out


def rating_of(session: Session, topic: Topic, resident_id: int | None) -> TopicRating | None:
    if resident_id is None:
        return None
    return session.scalar(
        select(TopicRating).where(
            TopicRating.topic_id == topic.id,
            TopicRating.round == topic.rating_round,
            TopicRating.resident_id == resident_id,
        )
    )


def ratings(session: Session, topic: Topic) -> list[TopicRating]:
    stmt = select(TopicRating).where(
        TopicRating.topic_id == topic.id, TopicRating.round == topic.rating_round
    )
    return list(session.scalars(stmt.order_by(TopicRating.id)))


def close_rating(session: Session, topic: Topic, *, village: Village, by: User) -> Tally:
    """End the round: below the village's threshold, the topic goes back to implementation
    with the dissatisfied residents' comments, and a new round of rating follows its next
    sign-off. At or above it, the topic stays done."""
    topic = get_topic(session, village.id, topic.id, lock=True)
    if topic.status != S.DONE:
        raise InvalidTransition(status=topic.status.value, to=S.IMPLEMENTING.value)
    counts = tally(session, topic)
    threshold = get_settings(session, village.id).satisfaction_threshold
    if counts.rate is None:
        raise ValidationFailed({"ratings": "no ratings yet"})
    if counts.rate * 100 < threshold:
        comments = [r.comment for r in ratings(session, topic) if r.comment]
        note = f"满意率 {counts.rate:.0%}，低于 {threshold}%，重新落实"
        if comments:
            note += "：" + "；".join(comments)
        move(session, topic, S.IMPLEMENTING, by=by, note=note[:4000])
        topic.rating_round += 1
        topic.done_at = None
        session.flush()
    else:
        audit.record(
            session,
            action="topic.rating.closed",
            obj=topic,
            by_id=by.id,
            village_id=village.id,
            after=counts.as_dict(),
        )
    return counts
