"""PIPL: a resident's own data to download, anonymisation after the retention period with
the ledger still verifying, masked phones, and the record of exports."""

from __future__ import annotations

import io
import json

from openpyxl import load_workbook
from sqlalchemy import select

from points import awards, ledger, postings, residents
from points.models import ApiToken, AuditLog, EntryKind, IdempotencyRecord, Role, User
from tests.eventutil import make_rule

NAME, PHONE = "欧阳建国", "13912345678"
FORMULA_NOTE = '=HYPERLINK("http://x.example","点我")'


def _resident_with_history(session, village, make_resident, make_user, tmp_path):
    r = make_resident(village, name=NAME, phone=PHONE)
    login = make_user(village, roles=(Role.RESIDENT,), resident=r, username="oyjg")
    admin = make_user(village, roles=(Role.ADMIN,))
    rule = make_rule(session, village)
    uploads = tmp_path / "uploads"
    (uploads / "evidence").mkdir(parents=True)
    (uploads / "evidence" / "p1.jpg").write_bytes(b"\xff\xd8photo")
    award = awards.create_award(
        session, village=village, rule=rule, resident=r, by=admin, note=FORMULA_NOTE,
        evidence_path="evidence/p1.jpg",
    )  # fmt: skip
    ledger.append(
        session, household_id=r.household_id, amount=-2, kind=EntryKind.DEDUCTION,
        resident_id=r.id, note="乱堆放",
    )  # fmt: skip
    session.commit()
    return r, login, admin, award, uploads


def test_a_resident_downloads_their_own_data_as_json_and_xlsx_and_it_is_recorded(
    app, client, session, village, make_resident, make_user, login, tmp_path, fixed_clock
):
    r, user, admin, award, _uploads = _resident_with_history(
        session, village, make_resident, make_user, tmp_path
    )
    login(user)
    got = client.get("/me/data.json")
    assert got.status_code == 200
    assert got.headers["Content-Disposition"] == f"attachment; filename=my-data-{r.id}.json"
    data = json.loads(got.data)
    assert data["resident"]["name"] == NAME and data["resident"]["phone"] == PHONE
    assert data["resident"]["login"] == "oyjg"
    assert [e["amount"] for e in data["ledger"]] == [5, -2]
    assert data["household"]["balance"] == 3
    assert data["awards"][0]["note"] == FORMULA_NOTE and data["awards"][0]["has_photo"]

    got = client.get("/me/data.xlsx")
    assert got.status_code == 200
    book = load_workbook(io.BytesIO(got.data))
    assert book.sheetnames[0] == "本人" and book.sheetnames[2:4] == ["积分流水", "加扣分记录"]
    me = {row[0].value: row[1].value for row in book.worksheets[0].iter_rows()}
    assert me["姓名"] == NAME and me["手机号"] == PHONE
    awards_sheet = book.worksheets[3]
    note_cell = [c for c in awards_sheet[2] if c.value == FORMULA_NOTE]
    assert note_cell and note_cell[0].data_type == "s"  # text, never a formula
    ledger_rows = list(book.worksheets[2].iter_rows(values_only=True))
    assert [row[1] for row in ledger_rows[1:]] == [5, -2]

    records = list(
        session.scalars(select(AuditLog).where(AuditLog.action == "personal_data.export"))
    )
    assert [(a.user_id, a.object_id, a.after["format"]) for a in records] == [
        (user.id, r.id, "json"),
        (user.id, r.id, "xlsx"),
    ]
    assert all(NAME not in json.dumps(a.after) for a in records)
    admin_client = app.test_client()
    login(admin, admin_client)
    page = admin_client.get("/admin/privacy").get_data(as_text=True)
    assert page.count("personal_data.export resident") == 2

    staff = make_user(village, roles=(Role.CLERK,))
    other = app.test_client()
    login(staff, other)
    assert other.get("/me/data.json").status_code == 403


def test_anonymising_after_the_retention_period_keeps_the_ledger_verifying(
    app, client, session, village, make_resident, make_user, login, token_for, tmp_path,
    fixed_clock,
):  # fmt: skip
    r, user, admin, award, uploads = _resident_with_history(
        session, village, make_resident, make_user, tmp_path
    )
    app.config["UPLOAD_FOLDER"] = str(uploads)
    bearer = token_for(user)
    with session.begin_nested():
        residents.update_resident(session, r, name=NAME, phone=PHONE, is_head=True, by_id=admin.id)
    # a check-in's stored reply names the resident (a repeat of the key replays it)
    reply = {"attendance_id": 7, "resident": {"id": r.id, "name": NAME}, "points_awarded": 3}
    other = {"attendance_id": 8, "resident": {"id": r.id + 1, "name": "王小明"}}
    session.add_all(
        [
            IdempotencyRecord(user_id=admin.id, key="k1", request_hash="a" * 64,
                              status_code=201, response=reply),
            IdempotencyRecord(user_id=admin.id, key="k2", request_hash="b" * 64,
                              status_code=201, response=other),
        ]
    )  # fmt: skip
    session.commit()
    before = ledger.verify(session)
    assert before.ok
    # the month's 户积分公示, posted with the resident's household on it
    posting = postings.create_posting(session, village=village, month_text="2026-11", by_id=None)
    session.commit()

    login(admin)
    client.post(f"/admin/residents/{r.id}/status", data={"status": "moved_out"})
    session.expire_all()
    assert r.status.value == "moved_out" and r.status_changed_at == fixed_clock.now
    # inside the retention period (default 365 days): refused, nothing changed
    refused = client.post(f"/admin/residents/{r.id}/anonymise", data={"confirm": "y"})
    assert refused.status_code == 409
    assert "保存期限已满" in refused.get_data(as_text=True)
    session.expire_all()
    assert r.name == NAME
    assert client.post("/admin/privacy/retention", data={"retention_days": "30"}).status_code == 302
    session.expire_all()
    assert village.retention_days == 30
    assert client.post("/admin/privacy/retention", data={"retention_days": "-1"}).status_code == 400
    fixed_clock.advance(days=31)
    page = client.get("/admin/privacy").get_data(as_text=True)
    assert NAME in page and "可匿名化的村民" in page
    # without the confirmation: 400, nothing changed
    assert client.post(f"/admin/residents/{r.id}/anonymise", data={}).status_code == 400
    session.expire_all()
    assert r.name == NAME

    done = client.post(f"/admin/residents/{r.id}/anonymise", data={"confirm": "y"})
    assert done.status_code == 302
    session.expire_all()
    assert r.name == f"已匿名{r.id}" and r.phone is None and r.name_pinyin == ""
    assert r.anonymised_at == fixed_clock.now
    login_row = session.get(User, user.id)
    assert not login_row.active and login_row.username == f"anonymised-{user.id}"
    assert session.scalars(select(ApiToken.revoked_at).where(ApiToken.user_id == user.id)).all()
    assert (
        None
        not in session.scalars(select(ApiToken.revoked_at).where(ApiToken.user_id == user.id)).all()
    )
    assert app.test_client().get("/api/v1/me", headers=bearer).status_code == 401
    assert not (uploads / "evidence" / "p1.jpg").exists()
    assert session.get(type(award), award.id).evidence_path is None
    snapshots = json.dumps(
        [(a.before, a.after) for a in session.scalars(select(AuditLog))], ensure_ascii=False
    )
    assert NAME not in snapshots and PHONE not in snapshots
    replies = dict(session.execute(select(IdempotencyRecord.key, IdempotencyRecord.response)).all())
    assert replies["k1"]["resident"] == {"id": r.id, "name": f"已匿名{r.id}"}
    assert replies["k1"]["points_awarded"] == 3 and replies["k2"] == other

    after = ledger.verify(session)
    assert after.ok and after.entries == before.entries and after.heads == before.heads
    runner = app.test_cli_runner()
    result = runner.invoke(args=["verify-ledger"])
    assert result.exit_code == 0, result.output
    # and the posting's printed code still verifies: the chains and codes cover ids and amounts
    assert postings.check_postings(session, village_id=village.id) == []
    assert postings.verify_code(session, village=village, code=posting.code).matches

    again = client.post(f"/admin/residents/{r.id}/anonymise", data={"confirm": "y"})
    assert again.status_code == 409
    assert NAME not in client.get("/admin/privacy").get_data(as_text=True)


def test_phones_are_masked_for_roles_that_do_not_need_them(
    app, client, village, make_resident, make_user, login
):
    r = make_resident(village, name=NAME, phone=PHONE)
    for role in (Role.HOST, Role.CLERK, Role.SUPERVISOR):
        c = app.test_client()
        login(make_user(village, roles=(role,)), c)
        page = c.get(f"/admin/households/{r.household_id}").get_data(as_text=True)
        assert "139****5678" in page and PHONE not in page, role
        assert c.get(f"/admin/residents/{r.id}").status_code == 403
    login(make_user(village, roles=(Role.ADMIN,)))
    assert PHONE in client.get(f"/admin/residents/{r.id}").get_data(as_text=True)


def test_the_not_found_guard_of_anonymise(
    client, village, other_village, make_resident, make_user, login
):
    stranger = make_resident(other_village, name="外村人")
    login(make_user(village, roles=(Role.ADMIN,)))
    assert (
        client.post(f"/admin/residents/{stranger.id}/anonymise", data={"confirm": "y"}).status_code
        == 404
    )
