"""表决: a vote per agenda item, counted by show of hands (举手) or by one ballot per present
member, passed by the village's rule (more than half of those present by default).

A vote is refused while the meeting's quorum is not reached (``quorum_not_met``) and a
ballot from someone who has not checked in (``not_checked_in``). Closing a vote writes the
outcome into the item's minutes; a topic outside a 四议两公开 chain takes its result from the
vote: passed moves it to ``deliberated``, not passed leaves it where it was for another
meeting. A chained topic moves only at the chain's decision stage (see ``chain``).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from points import audit, events
from points.clock import now
from points.deliberation import meeting_settings, meetings
from points.deliberation.body_models import VOTE_CHOICES, Ballot, Chain, Meeting, Vote
from points.deliberation.models import AgendaItem, Topic, TopicStatus
from points.deliberation.results import AGENDA_STATUSES
from points.deliberation.topics import clean_text, move
from points.errors import DomainError, NotFound, ValidationFailed
from points.models import User


class QuorumNotMet(DomainError):
    code = "quorum_not_met"


class NotCheckedIn(DomainError):
    code = "not_checked_in"


class NotCalled(DomainError):
    code = "not_called"


class AlreadyVoted(DomainError):
    code = "already_voted"


class VoteClosed(DomainError):
    code = "vote_closed"


def item_of(session: Session, meeting: Meeting, item_id: int) -> AgendaItem:
    item = session.get(AgendaItem, item_id)
    if item is None or item.event_id != meeting.event_id:
        raise NotFound("agenda item")
    return item


def vote_of(session: Session, item: AgendaItem) -> Vote | None:
    stmt = select(Vote).where(Vote.agenda_item_id == item.id)
    return session.scalar(stmt.execution_options(populate_existing=True))


def _hold(session: Session, meeting: Meeting) -> None:
    """A meeting's votes change one request at a time: its event is locked (as a close is),
    so a ballot, an open, a count and a close never interleave, and what each reads (the
    vote, its ballots) is read after the lock."""
    events.get_event(session, meeting.village_id, meeting.event_id, lock=True)


def _require_quorum(session: Session, meeting: Meeting) -> meetings.Quorum:
    q = meetings.quorum(session, meeting)
    if not q.reached:
        raise QuorumNotMet(called=q.called, present=q.present, needed=q.needed)
    return q


def _passes(session: Session, meeting: Meeting, votes_for: int, present: int) -> bool:
    row = meeting_settings.current(session, meeting.village_id)
    return votes_for * row.pass_den > present * row.pass_num


def _count(value, field: str, errors: dict) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        errors[field] = "must be a whole number"
        return 0
    return value


def record_count(
    session: Session,
    meeting: Meeting,
    item: AgendaItem,
    *,
    by: User,
    votes_for,
    against,
    abstain,
    minutes: str | None = "",
    result: str | None = "",
) -> Vote:
    """A show of hands: the three counts, at most those present (called and checked in)."""
    errors: dict[str, str] = {}
    f = _count(votes_for, "for", errors)
    a = _count(against, "against", errors)
    b = _count(abstain, "abstain", errors)
    minutes = clean_text(minutes, "minutes")
    result = clean_text(result, "result", limit=4000)
    if errors:
        raise ValidationFailed(errors)
    _hold(session, meeting)
    existing = vote_of(session, item)
    if existing is not None and existing.status == "closed":
        raise VoteClosed(vote_id=existing.id)
    q = _require_quorum(session, meeting)
    if f + a + b > q.present:
        raise ValidationFailed({"for": "at most those present"})
    vote = existing or Vote(agenda_item_id=item.id, meeting_id=meeting.id, method="count")
    vote.method = "count"
    vote.for_count, vote.against_count, vote.abstain_count = f, a, b
    session.add(vote)
    return _close(session, meeting, item, vote, q, by=by, minutes=minutes, result=result)


def open_ballot(session: Session, meeting: Meeting, item: AgendaItem, *, by: User) -> Vote:
    """Open a ballot vote on the item (once; a second open returns the same vote)."""
    _hold(session, meeting)
    existing = vote_of(session, item)
    if existing is not None:
        if existing.status == "closed":
            raise VoteClosed(vote_id=existing.id)
        return existing
    _require_quorum(session, meeting)
    vote = Vote(agenda_item_id=item.id, meeting_id=meeting.id, method="ballot", by_id=by.id)
    session.add(vote)
    session.flush()
    return vote


def cast(
    session: Session, meeting: Meeting, vote: Vote, *, by: User, resident_id, choice
) -> Ballot:
    """One present member's ballot (the member's own, or entered by the host)."""
    if choice not in VOTE_CHOICES:
        raise ValidationFailed({"choice": "for, against or abstain"})
    _hold(session, meeting)
    session.refresh(vote)
    if vote.status != "open":
        raise VoteClosed(vote_id=vote.id)
    if not isinstance(resident_id, int):
        raise ValidationFailed({"resident_id": "required"})
    event = meetings.event_of(session, meeting)
    if resident_id not in meetings.called(session, meeting, event).resident_ids:
        raise NotCalled(resident_id=resident_id)
    if events.find_attendance(session, event.id, resident_id) is None:
        raise NotCheckedIn(resident_id=resident_id)
    _require_quorum(session, meeting)
    ballot = Ballot(vote_id=vote.id, resident_id=resident_id, choice=choice, recorded_by_id=by.id)
    try:
        with session.begin_nested():
            session.add(ballot)
            session.flush()
    except IntegrityError:
        raise AlreadyVoted(resident_id=resident_id) from None
    return ballot


def ballots(session: Session, vote: Vote) -> list[Ballot]:
    return list(
        session.scalars(select(Ballot).where(Ballot.vote_id == vote.id).order_by(Ballot.id))
    )


def close_ballot(
    session: Session,
    meeting: Meeting,
    item: AgendaItem,
    *,
    by: User,
    minutes: str | None = "",
    result: str | None = "",
) -> Vote:
    _hold(session, meeting)
    vote = vote_of(session, item)
    if vote is None:
        raise NotFound("vote")
    if vote.status != "open":
        raise VoteClosed(vote_id=vote.id)
    minutes = clean_text(minutes, "minutes")
    result = clean_text(result, "result")
    q = _require_quorum(session, meeting)
    cast_ = ballots(session, vote)
    vote.for_count = sum(1 for b in cast_ if b.choice == "for")
    vote.against_count = sum(1 for b in cast_ if b.choice == "against")
    vote.abstain_count = sum(1 for b in cast_ if b.choice == "abstain")
    return _close(session, meeting, item, vote, q, by=by, minutes=minutes, result=result)


def summary(vote: Vote) -> str:
    outcome = "通过" if vote.passed else "未通过"
    how = "举手表决" if vote.method == "count" else "投票表决"
    return (
        f"{how}：应到{vote.called}人，实到{vote.present}人；赞成{vote.for_count}，"
        f"反对{vote.against_count}，弃权{vote.abstain_count}；{outcome}。"
    )


def _close(
    session: Session,
    meeting: Meeting,
    item: AgendaItem,
    vote: Vote,
    q: meetings.Quorum,
    *,
    by: User,
    minutes: str,
    result: str,
) -> Vote:
    at = now()
    vote.present, vote.called = q.present, q.called
    vote.passed = _passes(session, meeting, vote.for_count, q.present)
    vote.status, vote.closed_at, vote.by_id = "closed", at, by.id
    session.flush()
    topic = session.get(Topic, item.topic_id)
    result = result or topic.proposal or topic.title
    line = summary(vote)
    item.minutes = f"{minutes}\n{line}".strip() if minutes else line
    item.result = result
    item.passed = bool(vote.passed)
    item.decided_at = at
    chained = session.scalar(select(Chain.id).where(Chain.topic_id == topic.id)) is not None
    if vote.passed and not chained and topic.status in AGENDA_STATUSES:
        settle_topic(session, topic, by=by, result=result, note=line)
    session.flush()
    audit.record(
        session,
        action="meeting.vote",
        obj=vote,
        by_id=by.id,
        village_id=meeting.village_id,
        after={
            "item": item.id,
            "for": vote.for_count,
            "against": vote.against_count,
            "abstain": vote.abstain_count,
            "present": vote.present,
            "passed": vote.passed,
        },
    )
    return vote


def settle_topic(session: Session, topic: Topic, *, by: User, result: str, note: str) -> Topic:
    """The vote passed: the topic is deliberated with the voted result."""
    move(session, topic, TopicStatus.DELIBERATED, by=by, note=note[:500])
    topic.result = result
    session.flush()
    return topic
