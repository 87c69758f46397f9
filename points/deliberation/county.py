"""Deliberation's columns of the county table: per village and month, the topics collected,
accepted, decided (deliberated) and done, and the satisfaction rate of the ratings given."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from points.deliberation.models import RatingScore, Topic, TopicRating, TopicStatus, TopicTransition
from points.tallies import MonthFigures, month_bounds_in

# The step's status -> the MonthFigures field that counts topics reaching it in the month.
STEP_FIELDS = {
    TopicStatus.ACCEPTED.value: "topics_accepted",
    TopicStatus.DELIBERATED.value: "topics_decided",
    TopicStatus.DONE.value: "topics_done",
}


def add_topic_figures(
    session: Session,
    villages: list,
    month: date,
    out: dict[int, MonthFigures],
    scope: Select | None = None,
) -> None:
    """Fill the topic columns of ``out`` (three queries per time zone of the villages)."""
    by_zone: dict[str, list[int]] = defaultdict(list)
    for v in villages:
        by_zone[v.timezone].append(v.id)
    for zone, zone_ids in by_zone.items():
        start, end = month_bounds_in(zone, month)
        ids = scope if scope is not None and len(by_zone) == 1 else zone_ids
        collected = (
            select(Topic.village_id, func.count(Topic.id))
            .where(
                Topic.village_id.in_(ids),
                Topic.created_at >= start,
                Topic.created_at < end,
                Topic.status != TopicStatus.MERGED,
            )
            .group_by(Topic.village_id)
        )
        for village_id, n in session.execute(collected):
            out[village_id].topics_collected = int(n)
        steps = (
            select(
                Topic.village_id,
                TopicTransition.to_status,
                func.count(func.distinct(TopicTransition.topic_id)),
            )
            .join(Topic, Topic.id == TopicTransition.topic_id)
            .where(
                Topic.village_id.in_(ids),
                TopicTransition.to_status.in_(list(STEP_FIELDS)),
                TopicTransition.at >= start,
                TopicTransition.at < end,
            )
            .group_by(Topic.village_id, TopicTransition.to_status)
        )
        for village_id, status, n in session.execute(steps):
            setattr(out[village_id], STEP_FIELDS[status], int(n))
        positive = case((TopicRating.score != RatingScore.DISSATISFIED, 1), else_=0)
        rated = (
            select(Topic.village_id, func.sum(positive), func.count(TopicRating.id))
            .join(Topic, Topic.id == TopicRating.topic_id)
            .where(
                Topic.village_id.in_(ids),
                TopicRating.created_at >= start,
                TopicRating.created_at < end,
            )
            .group_by(Topic.village_id)
        )
        for village_id, good, n in session.execute(rated):
            out[village_id].ratings_positive = int(good or 0)
            out[village_id].ratings_total = int(n)


TOTALLED = (
    "topics_collected",
    "topics_accepted",
    "topics_decided",
    "topics_done",
    "ratings_positive",
    "ratings_total",
)
