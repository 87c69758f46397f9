"""A refused approval while another award is due answers at once (no second SQLite writer).

Against the live server with real commits: the request's own write transaction confirms the
due award, instead of a second write session waiting for the lock the request holds. Such a
wait lasts SQLite's whole busy timeout (30 s) and then fails, so the request's 20 s timeout
catches it without the test timing anything.
"""

import re

import pytest
import requests

from points import awards, residents, rules, users, villages
from points.models import Award, AwardStatus, User

pytestmark = pytest.mark.concurrency
PASSWORD = "long-enough-1"


def test_refused_approval_with_a_due_award_is_quick(live_server, fixed_clock):
    with live_server.db.session() as s, s.begin():
        v = villages.create_village(s, code="due-review", name="公示村", objection_days=1)
        admin = users.create_user(
            s, username="due-admin", password=PASSWORD, village_id=v.id, roles=["admin"]
        )
        host = users.create_user(
            s, username="due-host", password=PASSWORD, village_id=v.id, roles=["host"]
        )
        a = residents.create_resident(s, village_id=v.id, household_number="1", name="甲")
        b = residents.create_resident(s, village_id=v.id, household_number="2", name="乙")
        rule = rules.create_rule(
            s,
            village_id=v.id,
            code="R1",
            by_id=None,
            effective_from=villages.village_today(v),
            terms=rules.clean_terms(
                {"title": "好人好事", "category": "文明新风", "points": 10, "needs_review": True}
            ),
        )
        due = awards.create_award(s, village=v, rule=rule, resident=a, by=host)
        own = awards.create_award(s, village=v, rule=rule, resident=b, by=admin)
        due_id, own_id, admin_id = due.id, own.id, admin.id
    http = requests.Session()
    page = http.get(live_server.url + "/login").text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    http.post(
        live_server.url + "/login",
        data={"username": "due-admin", "password": PASSWORD, "csrf_token": token},
    )
    review = http.get(live_server.url + "/awards/review").text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', review).group(1)
    with live_server.db.session() as s, s.begin():
        awards.approve(s, s.get(Award, due_id), by=s.get(User, admin_id))
    fixed_clock.advance(days=2)  # its one-day objection window is over: due
    r = http.post(
        f"{live_server.url}/awards/{own_id}/approve", data={"csrf_token": token}, timeout=20
    )
    assert r.status_code in (403, 409), r.status_code  # you made it: someone else reviews
    with live_server.db.session() as s:
        assert s.get(Award, own_id).status == AwardStatus.PENDING
    # The refused request changed nothing; the next read confirms the due award.
    assert http.get(live_server.url + "/awards/review").status_code == 200
    with live_server.db.session() as s:
        assert s.get(Award, due_id).status == AwardStatus.CONFIRMED
