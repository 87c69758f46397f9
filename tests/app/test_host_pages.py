"""The host's event pages, the projector code, the resident's card and self check-in."""

import io

import pytest
import zxingcpp
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import select

from points import cards, events
from points.event_models import Attendance, Event
from points.models import Role
from tests.eventutil import make_event, make_rule

SECRET = "test-key"


@pytest.fixture
def rule(session, village):
    r = make_rule(session, village, points=5)
    session.commit()
    return r


def test_host_creates_opens_and_closes_an_event(
    client, session, village, make_user, login, rule, make_household
):
    make_household(village, "A1")
    login(make_user(village, roles=(Role.HOST,)))
    page = client.get("/host/events/new")
    assert page.status_code == 200 and "参加议事协商会" in page.text
    bad = client.post("/host/events/new", data={"title": "", "kind": "meeting"})
    assert bad.status_code == 400
    bad = client.post(
        "/host/events/new",
        data={
            "title": "户代表会议",
            "kind": "meeting",
            "starts_at": "2026-11-02T10:00",
            "ends_at": "2026-11-02T09:00",
            "rule_id": rule.id,
            "invite_scope": "households",
            "households": "A1 Z9",
        },
    )
    assert bad.status_code == 400
    r = client.post(
        "/host/events/new",
        data={
            "title": "户代表会议",
            "kind": "meeting",
            "location": "村委会",
            "starts_at": "2026-11-02T10:00",
            "ends_at": "2026-11-02T12:00",
            "rule_id": rule.id,
            "invite_scope": "households",
            "households": "A1",
            "one_per_household": "y",
        },
    )
    assert r.status_code == 302, r.text
    event = session.scalars(select(Event)).one()
    assert event.starts_at.isoformat() == "2026-11-02T02:00:00+00:00"  # 10:00 in Shanghai
    assert event.one_per_household and len(event.invited_ids) == 1
    detail = client.get(f"/host/events/{event.id}")
    assert "户代表会议" in detail.text and "未开始" in detail.text
    assert client.post(f"/host/events/{event.id}/open").status_code == 302
    scan = client.get(f"/host/events/{event.id}/scan")
    assert scan.status_code == 200
    assert 'id="scanner"' in scan.text and "vendor/jsQR.js" in scan.text
    assert client.post(f"/host/events/{event.id}/close").status_code == 302
    session.expire_all()
    assert event.status.value == "closed"


def test_projector_code_checks_a_resident_in(
    client, app, session, village, make_user, make_resident, login, rule, fixed_clock
):
    event = make_event(session, village, rule)
    events.open_event(session, event, by_id=None)
    session.commit()
    login(make_user(village, roles=(Role.HOST,)))
    assert client.get(f"/host/events/{event.id}/projector").status_code == 200
    png = client.get(f"/host/events/{event.id}/code.png")
    link = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.data)))[0].text
    assert "/c/CE1" in link
    path = link[link.index("/c/") :]
    resident = make_resident(village, name="赵六")
    me = app.test_client()
    login(make_user(village, roles=(Role.RESIDENT,), resident=resident), me)
    page = me.get(path)
    assert page.status_code == 200 and "十一月议事协商会" in page.text
    done = me.post(path, data={"client_id": "phone-1"})
    assert done.status_code == 201 and "+5" in done.text
    again = me.post(path)
    assert again.status_code == 200 and "已签到" in again.text
    fixed_clock.advance(seconds=90)
    assert me.get(path).status_code == 400  # a photo of an old code
    att = session.scalars(select(Attendance)).one()
    assert att.method.value == "event_qr" and att.client_id == "phone-1"


def test_attendance_page_exports_and_undo(
    client, session, village, make_user, make_resident, login, rule, fixed_clock
):
    event = make_event(session, village, rule)
    events.open_event(session, event, by_id=None)
    resident = make_resident(village, name="钱七")
    result = events.check_in(session, event=event, resident=resident, method="manual", by_id=None)
    session.commit()
    login(make_user(village, roles=(Role.HOST,)))
    page = client.get(f"/host/events/{event.id}")
    assert "钱七" in page.text and "手动" in page.text
    csv_text = client.get(f"/host/events/{event.id}/attendance.csv").data.decode("utf-8-sig")
    assert "钱七" in csv_text and "manual" in csv_text
    xlsx = client.get(f"/host/events/{event.id}/attendance.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    assert sheet.cell(2, 1).value == "钱七" and sheet.cell(2, 8).value == 5
    url = f"/host/events/{event.id}/attendance/{result.attendance.id}/undo"
    assert client.post(url, data={"reason": ""}).status_code == 303
    assert client.post(url, data={"reason": "重复登记"}).status_code == 302
    session.expire_all()
    assert resident.household.balance == 0
    assert "重复登记" in client.get(f"/host/events/{event.id}").text


def test_my_card_and_card_sheet(
    client, app, session, village, other_village, make_user, make_resident, make_household, login
):
    hh = make_household(village, "B2", group="第二组")
    resident = make_resident(village, hh, name="孙八")
    me = app.test_client()
    login(make_user(village, roles=(Role.RESIDENT,), resident=resident), me)
    page = me.get("/me/card")
    assert page.status_code == 200 and "<svg" in page.text
    assert cards.short_code_for(SECRET, resident) in page.text
    assert me.get("/host/cards").status_code == 403
    login(make_user(village, roles=(Role.HOST,)))
    sheet = client.get(f"/host/cards?household={hh.id}")
    assert sheet.status_code == 200 and sheet.text.count('class="pcard"') == 1
    assert "孙八" in sheet.text and "B2" in sheet.text and "第二组" in sheet.text
    assert client.get(f"/host/cards?group={hh.group_id}").text.count('class="pcard"') == 1
    assert client.get("/host/cards?number=B2").text.count('class="pcard"') == 1
    assert client.get("/host/cards?number=nope").text.count('class="pcard"') == 0
    outsider = app.test_client()
    login(make_user(other_village, roles=(Role.ADMIN,)), outsider)
    assert outsider.get(f"/host/cards?household={hh.id}").status_code == 404
    assert outsider.get(f"/host/cards?group={hh.group_id}").status_code == 404
    assert "孙八" not in outsider.get("/host/cards?number=B2").text


def test_pages_refuse_roles_and_other_villages(
    client, app, session, village, other_village, make_user, login, rule
):
    event = make_event(session, village, rule)
    session.commit()
    clerk = app.test_client()
    login(make_user(village, roles=(Role.CLERK,)), clerk)
    for path in (
        "/host/events/new",
        f"/host/events/{event.id}/scan",
        f"/host/events/{event.id}/projector",
        f"/host/events/{event.id}/code.png",
    ):
        assert clerk.get(path).status_code == 403, path
    assert clerk.post(f"/host/events/{event.id}/open").status_code == 403
    assert clerk.get(f"/host/events/{event.id}").status_code == 200  # staff may read
    outsider = app.test_client()
    login(make_user(other_village, roles=(Role.ADMIN,)), outsider)
    for path in ("", "/scan", "/projector", "/code.png", "/attendance.csv", "/attendance.xlsx"):
        assert outsider.get(f"/host/events/{event.id}{path}").status_code == 404, path
    assert outsider.post(f"/host/events/{event.id}/open").status_code == 404
    assert client.get(f"/host/events/{event.id}").status_code == 302  # not logged in
