"""红榜 and 星级文明户 on a worked example (the clock: 2 November 2026, 10:00 in Shanghai)."""

from datetime import UTC, datetime

import pytest

from points import board, honours, ledger
from points.errors import ValidationFailed
from points.models import EntryKind


def at(*args):
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def example(session, village, make_household, make_resident, fixed_clock):
    """Thresholds 100/150/200/250/300 (the default).
    1001 张建国: October +200, November +40            → month 40, year 240, tier at 1 Nov: 200
    1002 王明:   December 2025 +310, November −10      → month −10, year −10, tier: 310
    1003 李秀英: 1 Nov 00:30 Shanghai +5 (still 31 Oct in UTC), November +30, spent 20
                                                        → month 35, year 35, tier: 0
    1004 赵伟国: September +35                          → month 0, year 35, tier: 35
    """
    hs = {}
    for number, name in (
        ("1001", "张建国"),
        ("1002", "王明"),
        ("1003", "李秀英"),
        ("1004", "赵伟国"),
    ):
        hs[number] = make_household(village, number)
        make_resident(village, hs[number], name)

    def post(number, amount, kind=EntryKind.AWARD, when=None):
        ledger.post(session, household_id=hs[number].id, amount=amount, kind=kind, at=when)

    post("1001", 200, when=at(2026, 10, 10))
    post("1001", 40)
    post("1002", 310, when=at(2025, 12, 20))
    post("1002", -10, EntryKind.DEDUCTION)
    post("1003", 5, when=at(2026, 10, 31, 16, 30))
    post("1003", 30)
    post("1003", -20, EntryKind.REDEMPTION)
    post("1004", 35, when=at(2026, 9, 5))
    session.commit()
    return hs


def lines(roll):
    return [(x.rank, x.number, x.score) for x in roll]


def test_honour_rolls_of_the_month_and_year(session, village, example):
    assert lines(honours.honour_roll(session, village, period="month")) == [
        (1, "1001", 40),
        (2, "1003", 35),
    ]
    assert lines(honours.honour_roll(session, village, period="year")) == [
        (1, "1001", 240),
        (2, "1003", 35),
        (2, "1004", 35),  # equal scores share a rank
    ]
    assert lines(honours.honour_roll(session, village, period="year", size=1)) == [(1, "1001", 240)]


def test_star_tiers_and_what_the_next_one_needs(session, village, example):
    tiers = {t["stars"]: t["household_ids"] for t in honours.star_tiers(session, village)}
    assert tiers == {5: [example["1002"].id], 4: [], 3: [example["1001"].id], 2: [], 1: []}
    tier = honours.household_tier(session, example["1001"])
    assert (tier.stars, tier.score, tier.next_stars, tier.next_needs) == (3, 240, 4, 10)
    tier = honours.household_tier(session, example["1002"])
    assert (tier.stars, tier.score, tier.next_stars, tier.next_needs) == (5, 300, None, 0)
    tier = honours.household_tier(session, example["1003"])
    assert (tier.stars, tier.score, tier.next_stars, tier.next_needs) == (0, 35, 1, 65)
    # The village's own thresholds: 五星 at 300 stays, the lower tiers move.
    honours.update_settings(session, village_id=village.id, star_thresholds=[30, 60, 90, 200, 300])
    tier = honours.household_tier(session, example["1004"])
    assert (tier.stars, tier.next_stars, tier.next_needs) == (1, 2, 25)
    with pytest.raises(ValidationFailed):
        honours.update_settings(session, village_id=village.id, star_thresholds=[300, 200])


def test_the_board_shows_rolls_and_tiers_with_masked_names(session, village, example):
    data = board.board_json(session, village)
    assert data["honour_roll"] == [
        {"rank": 1, "name": "张*国", "score": 40},
        {"rank": 2, "name": "李*英", "score": 35},
    ]
    assert [r["name"] for r in data["honour_roll_year"]] == ["张*国", "李*英", "赵*国"]
    assert [(t["stars"], t["households"]) for t in data["stars"] if t["households"]] == [
        (5, ["王*"]),
        (3, ["张*国"]),
    ]
