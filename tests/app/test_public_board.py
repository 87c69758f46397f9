"""The public board at /v/<code>: no login, masked names, no phones, no other village."""

from datetime import date

import pytest
from sqlalchemy import select

from app import demo
from points import awards, honours, rules
from points.models import Resident, Role

BOARD_JSON = "/api/v1/public/villages/{}/board"


def test_board_needs_no_login_and_names_no_resident_of_the_demo(
    client, session, fixed_clock, make_village, make_household, make_resident
):
    village = demo.seed_demo(session)
    session.commit()
    elsewhere = make_village("far", name="远方村")
    make_resident(elsewhere, make_household(elsewhere, "9001"), "欧阳远方", phone="13900009999")
    page = client.get(f"/v/{village.code}")
    api = client.get(BOARD_JSON.format(village.code))
    assert page.status_code == 200 and api.status_code == 200
    html, text = page.get_data(as_text=True), api.get_data(as_text=True)
    assert "示范村" in html and api.json["village"] == {"name": "示范村"}
    # decided topics: results posted, being carried out (with progress) and done (rated)
    topics = api.json["topics"]
    assert {t["status"] for t in topics} >= {"published", "implementing", "done"}
    for t in topics:
        assert not {"id", "owner", "proposers", "resident_id", "explanation"} & set(t)
        assert t["title"] in html
    rated = [t for t in topics if t["status"] == "done" and t["ratings"] and t["ratings"]["total"]]
    assert rated and 0 <= rated[0]["ratings"]["rate"] <= 1
    assert "满意率" in html
    people = session.scalars(select(Resident).where(Resident.village_id == village.id)).all()
    assert len(people) > 20
    shown = 0
    for r in people:
        for body in (html, text):
            assert r.name not in body, r.name
            if r.phone:
                assert r.phone not in body and r.phone[-4:] not in body, r.phone
        shown += mask(r.name) in html
    assert shown > 0  # masked names are there (awards, 红榜)
    assert api.json["honour_roll"] and api.json["awards"]
    for line in api.json["honour_roll"] + api.json["awards"]:
        assert "*" in line.get("name", "*")
        assert not {"id", "resident_id", "household_id", "phone", "note"} & set(line)
    for body in (html, text):
        assert "欧阳" not in body and "远方村" not in body and "9999" not in body
    assert client.get("/v/nowhere").status_code == 404
    assert client.get(BOARD_JSON.format("nowhere")).status_code == 404


def mask(name):
    return name[0] + "*" if len(name) == 2 else name[0] + "*" * (len(name) - 2) + name[-1]


@pytest.fixture
def posted_deduction(session, village, make_household, make_resident, make_user, fixed_clock):
    h = make_household(village, "1007")
    zhang = make_resident(village, h, "张建国")
    host = make_user(village, roles=(Role.HOST,))
    sup = make_user(village, roles=(Role.SUPERVISOR,))
    rule = rules.create_rule(
        session,
        village_id=village.id,
        code="KF01",
        terms=rules.clean_terms(
            {"title": "乱倒垃圾", "category": "违反村规民约", "points": -5, "needs_review": True}
        ),
        effective_from=date(2026, 1, 1),
        by_id=None,
    )
    award = awards.create_award(session, village=village, rule=rule, resident=zhang, by=host)
    awards.approve(session, award, by=sup)
    session.commit()
    return zhang


def test_the_masking_setting_chooses_how_deductions_show(
    client, session, village, posted_deduction
):
    def board():
        return client.get(BOARD_JSON.format(village.code)).json, client.get(
            f"/v/{village.code}"
        ).get_data(as_text=True)

    data, html = board()  # default: totals only
    assert data["awards"] == [] and data["deductions"] == {
        "shown_as": "totals",
        "count": 1,
        "points": 5,
    }
    assert "张*国" not in html and "1007" not in html and "乱倒垃圾" not in html
    honours.update_settings(session, village_id=village.id, deductions="number")
    session.commit()
    data, html = board()
    assert [(a["title"], a.get("household"), a.get("name")) for a in data["awards"]] == [
        ("乱倒垃圾", "1007", None)
    ]
    assert "1007" in html and "张*国" not in html
    honours.update_settings(session, village_id=village.id, deductions="name")
    session.commit()
    data, html = board()
    assert [(a.get("household"), a["name"], a["amount"]) for a in data["awards"]] == [
        (None, "张*国", -5)
    ]
    assert "张*国" in html and "1007" not in html and "张建国" not in html
    assert "提出异议" in html and "/login" in html  # objecting leads to the login


def test_admin_changes_the_setting_from_the_postings_page(
    client, session, village, make_user, posted_deduction
):
    from tests.conftest import PASSWORD

    admin = make_user(village, roles=(Role.ADMIN,))
    client.post("/login", data={"username": admin.username, "password": PASSWORD})
    r = client.post(
        "/board/settings",
        data={"deductions": "name", "star_thresholds": "10,20,30,40,50", "idle_months": "2"},
    )
    assert r.status_code == 303
    s = honours.settings_of(session, village.id)
    assert (s.deductions.value, s.star_thresholds, s.idle_months) == (
        "name",
        [10, 20, 30, 40, 50],
        2,
    )
    bad = client.post("/board/settings", data={"deductions": "all", "star_thresholds": "5,4"})
    assert bad.status_code == 303
    session.expire_all()
    assert honours.settings_of(session, village.id).deductions.value == "name"  # unchanged


def test_the_demo_board_is_light_enough_for_a_2g_phone(client, session, fixed_clock):
    """≤ 30 KB over the wire: the page compressed, and its stylesheets as served."""
    import re

    village = demo.seed_demo(session)
    session.commit()
    page = client.get(f"/v/{village.code}", headers={"Accept-Encoding": "gzip"})
    assert page.headers.get("Content-Encoding") == "gzip"
    total = len(page.data)
    html = client.get(f"/v/{village.code}").get_data(as_text=True)
    assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', html)
    assert any("board.css" in a for a in assets)
    for path in assets:
        asset = client.get(path, headers={"Accept-Encoding": "gzip"})
        total += len(asset.data)
        asset.close()
    print(f"demo board over the wire: {total} bytes")
    assert total <= 30 * 1024, total


def test_the_board_address_prints_as_a_qr(client, village):
    page = client.get(f"/v/{village.code}/qr").get_data(as_text=True)
    assert "<svg" in page and f"http://localhost/v/{village.code}" in page
    assert "data-print" in page and "幸福村村务公开栏" in page
    assert f'href="/v/{village.code}/qr"' in client.get(f"/v/{village.code}").get_data(as_text=True)
