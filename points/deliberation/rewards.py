"""Points for taking part in deliberation: a proposal accepted, a rating given.

A proposal accepted is the committee's decision about a resident, so it is an ordinary award
made by the deciding member under the village's chosen rule (review, caps and objections
apply as to every award). A rating given is an act the system sees, like a check-in: its
points go straight to the ledger under the rating rule, within the rule's monthly cap.
Each is made once: the award's or entry's id is kept on the proposer or rating row, and a
repeat finds it there. A resident's rating points are once per topic, not per rating round:
a topic reopened after a low rating is rated again, and that rating counts in the new round
but earns nothing more (checked under the household's lock, which every reward takes).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from points import caps, ledger
from points.awards import RuleInactive, create_award
from points.clock import now
from points.deliberation.models import Topic, TopicRating
from points.deliberation.settings import get_settings
from points.models import Award, EntryKind, ResidentStatus, Rule, User, Village
from points.villages import village_today


def _live_rule(session: Session, rule_id: int | None) -> Rule | None:
    rule = session.get(Rule, rule_id) if rule_id is not None else None
    return rule if rule is not None and rule.active else None


def reward_proposers(session: Session, village: Village, topic: Topic, by: User) -> list[Award]:
    """Award each proposer of an accepted topic once (a cap reached: no points, no error)."""
    rule = _live_rule(session, get_settings(session, village.id).proposal_rule_id)
    made = []
    if rule is None:
        return made
    for proposer in topic.proposers:
        if proposer.award_id is not None or proposer.resident.status != ResidentStatus.ACTIVE:
            continue
        try:
            with session.begin_nested():
                award = create_award(
                    session,
                    village=village,
                    rule=rule,
                    resident=proposer.resident,
                    by=by,
                    note=f"议题 #{topic.id} 被采纳：{topic.title}"[:500],
                )
        except (caps.MonthlyCapReached, RuleInactive):
            continue
        proposer.award_id = award.id
        made.append(award)
    session.flush()
    return made


def reward_rating(session: Session, village: Village, rating: TopicRating) -> int:
    """The rating rule's points for a rating, once per resident and topic; the points given."""
    if rating.entry_id is not None:
        return 0
    rule = _live_rule(session, get_settings(session, village.id).rating_rule_id)
    resident = rating.resident
    if rule is None or resident.status != ResidentStatus.ACTIVE:
        return 0
    version = rule.version_on(village_today(village))
    amount = version.points
    ledger.lock_household(session, resident.household_id)
    # Read under the lock: a rating of an earlier round (or one committed meanwhile) that
    # earned the points already.
    earned = select(TopicRating.id).where(
        TopicRating.topic_id == rating.topic_id,
        TopicRating.resident_id == resident.id,
        TopicRating.entry_id.is_not(None),
    )
    if session.scalar(earned.limit(1)) is not None:
        return 0
    try:
        caps.check_monthly_cap(
            session,
            village=village,
            rule=rule,
            version=version,
            resident_id=resident.id,
            amount=amount,
            at=now(),
        )
    except caps.MonthlyCapReached as exc:
        amount = exc.details["remaining"]
    if amount <= 0:
        return 0
    entry = ledger.post(
        session,
        household_id=resident.household_id,
        amount=amount,
        kind=EntryKind.AWARD,
        resident_id=resident.id,
        rule_version=version,
        source=("topic_rating", rating.id),
        note=f"参与议题 #{rating.topic_id} 民主测评",
        created_by_id=rating.recorded_by_id,
    )
    rating.entry_id = entry.id
    rating.points_awarded = amount
    session.flush()
    return amount
