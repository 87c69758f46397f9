"""四议两公开 for a major matter: 党组织提议 → 两委会商议 → 党员大会审议 → 村民代表会议
(或村民会议)决议 → 决议公开 → 实施结果公开, in that order and no other.

The four 议 are each a meeting of its kind whose vote on the topic passed; the decision
stage moves the topic to ``deliberated`` with the voted result. 决议公开 publishes the
result on the board (the topic's publication with its objection window); 实施结果公开
records what was done once the topic is being carried out. Anything out of order is
``invalid_transition``.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from points import audit
from points.deliberation import meeting_settings, meetings, results, votes
from points.deliberation.body_models import Chain, ChainStage, Meeting
from points.deliberation.models import AgendaItem, Topic, TopicStatus
from points.deliberation.topics import InvalidTransition, clean_text
from points.errors import DomainError, NotFound, ValidationFailed
from points.models import User

S = TopicStatus
# (stage, label, the meeting kinds that hold it; none: a publication on the board)
STAGES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("proposal", "党组织提议", ("party_branch",)),
    ("consultation", "两委会商议", ("committees",)),
    ("review", "党员大会审议", ("party_members",)),
    ("decision", "村民代表会议（或村民会议）决议", ("representatives", "village_assembly")),
    ("resolution_public", "决议公开", ()),
    ("result_public", "实施结果公开", ()),
)
STAGE_NAMES = [s[0] for s in STAGES]
LABELS = {s[0]: s[1] for s in STAGES}


class ChainExists(DomainError):
    code = "chain_exists"


class VoteNotPassed(DomainError):
    code = "vote_not_passed"


def start(session: Session, topic: Topic, *, by: User, category: str | None) -> Chain:
    """Put a major matter (a category the village lists) on the 四议两公开 route."""
    cats = meeting_settings.current(session, topic.village_id).major_categories or []
    if category not in cats:
        raise ValidationFailed({"category": "one of the village's major matters"})
    if topic.status not in (S.ACCEPTED, S.RESEARCHED):
        raise InvalidTransition(status=topic.status.value, to="chain")
    chain = Chain(
        village_id=topic.village_id, topic_id=topic.id, category=category, created_by_id=by.id
    )
    try:
        with session.begin_nested():
            session.add(chain)
            session.flush()
    except IntegrityError:
        raise ChainExists(topic_id=topic.id) from None
    audit.record(session, action="chain.start", obj=chain, by_id=by.id, village_id=topic.village_id)
    return chain


def of_topic(session: Session, topic_id: int) -> Chain | None:
    return session.scalar(select(Chain).where(Chain.topic_id == topic_id))


def get(session: Session, village_id: int, chain_id: int) -> Chain:
    chain = session.get(Chain, chain_id)
    if chain is None or chain.village_id != village_id:
        raise NotFound("chain")
    return chain


def next_stage(chain: Chain) -> str | None:
    done = len(chain.stages)
    return STAGE_NAMES[done] if done < len(STAGE_NAMES) else None


def record(
    session: Session, chain: Chain, *, by: User, stage: str | None, event_id=None, note=""
) -> ChainStage:
    if stage not in STAGE_NAMES:
        raise ValidationFailed({"stage": "not a valid value"})
    expected = next_stage(chain)
    if stage != expected:
        last = chain.stages[-1].stage if chain.stages else "started"
        raise InvalidTransition(status=last, to=stage, expected=expected)
    kinds = STAGES[STAGE_NAMES.index(stage)][2]
    note = clean_text(note, "note")
    topic = session.get(Topic, chain.topic_id)
    row = ChainStage(
        chain_id=chain.id, stage=stage, position=len(chain.stages) + 1, note=note, by_id=by.id
    )
    if kinds:
        meeting = (
            session.scalar(select(Meeting).where(Meeting.event_id == event_id))
            if isinstance(event_id, int)
            else None
        )
        if meeting is None or meeting.village_id != chain.village_id:
            raise ValidationFailed({"event_id": "a meeting of the village"})
        if meeting.kind not in kinds:
            raise ValidationFailed({"event_id": "a meeting of the stage's kind"})
        item = session.scalar(
            select(AgendaItem).where(
                AgendaItem.event_id == meeting.event_id, AgendaItem.topic_id == topic.id
            )
        )
        vote = votes.vote_of(session, item) if item is not None else None
        if vote is None or vote.status != "closed" or not vote.passed:
            raise VoteNotPassed(event_id=meeting.event_id)
        row.event_id, row.vote_id = meeting.event_id, vote.id
        if stage == "decision":
            if topic.status not in results.AGENDA_STATUSES:
                raise InvalidTransition(status=topic.status.value, to=S.DELIBERATED.value)
            votes.settle_topic(
                session,
                topic,
                by=by,
                result=item.result,
                note=f"四议两公开决议：{votes.summary(vote)}",
            )
    elif stage == "resolution_public":
        if topic.status == S.DELIBERATED:
            results.publish(session, topic, by=by, note="四议两公开：决议公开")
        elif topic.status not in (S.PUBLISHED, S.IMPLEMENTING, S.DONE):
            raise InvalidTransition(status=topic.status.value, to=S.PUBLISHED.value)
    else:  # result_public
        if topic.status not in (S.IMPLEMENTING, S.DONE):
            raise InvalidTransition(status=topic.status.value, to=stage)
        if not note:
            raise ValidationFailed({"note": "required"})
    session.add(row)
    session.flush()
    session.expire(chain, ["stages"])
    audit.record(
        session,
        action=f"chain.{stage}",
        obj=row,
        by_id=by.id,
        village_id=chain.village_id,
    )
    return row


def record_sheet(session: Session, chain: Chain) -> list[dict]:
    """The printable record of the chain: each stage with its meeting, vote and minutes."""
    from points.event_models import Event

    done = {s.stage: s for s in chain.stages}
    out = []
    for name, label, _kinds in STAGES:
        s = done.get(name)
        row = {"stage": name, "label": label, "done": s is not None, "note": s.note if s else ""}
        if s is not None:
            row["done_at"] = s.done_at
            if s.event_id:
                event = session.get(Event, s.event_id)
                item = session.scalar(
                    select(AgendaItem).where(
                        AgendaItem.event_id == s.event_id, AgendaItem.topic_id == chain.topic_id
                    )
                )
                meeting = meetings.of_event(session, s.event_id)
                vote = votes.vote_of(session, item) if item else None
                row.update(
                    event_id=s.event_id,
                    meeting_id=meeting.id if meeting else None,
                    title=event.title,
                    starts_at=event.starts_at,
                    minutes=item.minutes if item else "",
                    result=item.result if item else "",
                    vote=votes.summary(vote) if vote else "",
                )
        out.append(row)
    return out
