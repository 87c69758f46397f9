"""Undo a check-in, then scan the card again: over the API and on the host's pages."""

import re

from sqlalchemy import func, select

from points import events, ledger
from points.event_models import Attendance
from points.models import Role
from tests.eventutil import card

SECRET = "test-key"


def test_api_rescan_after_undo_checks_in_again_and_replays_stay_first(
    client, session, village, make_user, make_resident, token_for, open_meeting
):
    event = open_meeting
    resident = make_resident(village, name="张建国")
    h = token_for(make_user(village, roles=(Role.HOST,)))
    session.commit()
    url = f"/api/v1/events/{event.id}/checkins"
    body = {"card": card(SECRET, resident)}

    first = client.post(url, json=body, headers={**h, "Idempotency-Key": "phone-1:1"})
    assert first.status_code == 201 and first.json["points_awarded"] == 5
    undo = client.post(
        f"/api/v1/events/{event.id}/attendance/{first.json['attendance_id']}/undo",
        json={"reason": "扫错了卡"},
        headers=h,
    )
    assert undo.status_code == 200 and undo.json["undone"] is True
    search = f"/api/v1/events/{event.id}/residents?q=张建国"
    assert client.get(search, headers=h).json["items"][0]["checked_in"] is False

    # the first scan sent again (a phone's retry): its first answer, nothing changes
    replay = client.post(url, json=body, headers={**h, "Idempotency-Key": "phone-1:1"})
    assert (replay.status_code, replay.json) == (201, first.json)
    assert session.scalar(select(func.count(Attendance.id))) == 1

    # a new scan of the card: checked in again, 5 points once more
    again = client.post(url, json=body, headers={**h, "Idempotency-Key": "phone-1:2"})
    assert again.status_code == 201, again.json
    assert again.json["points_awarded"] == 5
    assert again.json["attendance_id"] != first.json["attendance_id"]
    assert again.json["household"]["balance"] == 5
    # and a third scan answers "already checked in", with the new check-in
    third = client.post(url, json=body, headers={**h, "Idempotency-Key": "phone-1:3"})
    assert third.status_code == 200 and third.json["already"] is True
    assert third.json["attendance_id"] == again.json["attendance_id"]
    assert client.get(search, headers=h).json["items"][0]["checked_in"] is True

    # the ledger: the award, its reversal, the new award (newest first)
    entries = client.get(f"/api/v1/households/{resident.household_id}/ledger", headers=h).json[
        "items"
    ]
    assert [(e["kind"], e["amount"], e["balance_after"]) for e in entries] == [
        ("award", 5, 5),
        ("correction", -5, 0),
        ("award", 5, 5),
    ]
    report = client.get(f"/api/v1/events/{event.id}/attendance", headers=h).json
    assert report["checked_in"] == 1
    assert [(i["undone"], i["undo_reason"], i["points_awarded"]) for i in report["items"]] == [
        (True, "扫错了卡", 0),
        (False, None, 5),
    ]
    session.expire_all()
    assert ledger.verify(session, village_id=village.id).ok


def test_host_page_undo_then_rescan_shows_both_rows(
    client, session, village, make_user, make_resident, login, open_meeting
):
    event = open_meeting
    resident = make_resident(village, name="钱七")
    first = events.check_in(session, event=event, resident=resident, method="card", by_id=None)
    session.commit()
    login(make_user(village, roles=(Role.HOST,)))
    undo = f"/host/events/{event.id}/attendance/{first.attendance.id}/undo"
    assert client.post(undo, data={"reason": "扫错了卡"}).status_code == 302
    page = client.get(f"/host/events/{event.id}").text
    assert "已撤销：扫错了卡" in page and len(re.findall(r"/undo\"", page)) == 0

    # the scanning page sends the card again (as checkin.js does, with the session)
    r = client.post(f"/api/v1/events/{event.id}/checkins", json={"card": card(SECRET, resident)})
    assert r.status_code == 201 and r.json["points_awarded"] == 5
    page = client.get(f"/host/events/{event.id}").text
    assert page.count("钱七") == 2  # the undone row and the new one
    assert "已撤销：扫错了卡" in page
    undo_forms = re.findall(r'action="/host/events/\d+/attendance/(\d+)/undo"', page)
    assert undo_forms == [str(r.json["attendance_id"])]  # only the new one can be undone
    assert re.search(r'class="checked-in">1<', page)
    scan_page = client.get(f"/host/events/{event.id}/scan").text
    assert 'data-count="1"' in scan_page
    session.expire_all()
    assert resident.household.balance == 5
