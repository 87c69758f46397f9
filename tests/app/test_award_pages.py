"""The award, review, objection, board, claim, correction, integrity and rules pages."""

import base64
import io
from datetime import date

import pytest
from openpyxl import Workbook

from points import awards, ledger, rules
from points.models import AwardStatus, EntryKind, Role, Rule, Village

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _rule(session, village, code, points, **kw):
    terms = rules.clean_terms(
        {"title": f"规则{code}", "category": "志愿服务", "points": points, **kw}
    )
    r = rules.create_rule(
        session,
        village_id=village.id,
        code=code,
        terms=terms,
        effective_from=date(2026, 1, 1),
        by_id=None,
    )
    session.commit()
    return r


@pytest.fixture
def w(session, village, other_village, make_household, make_resident, make_user, app, tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path)
    h1 = make_household(village, "1001")
    wang = make_resident(village, h1, "王建国")
    li = make_resident(village, make_household(village, "1002"), "李秀英")
    data = {
        "h1": h1,
        "wang": wang,
        "li": li,
        "clean": _rule(session, village, "HJ01", 5),
        "flood": _rule(session, village, "ZY02", 10, needs_review=True),
        "claim": _rule(session, village, "SS01", 3, claimable=True),
        "foreign": _rule(session, other_village, "HJ09", 5),
    }
    for name, roles, resident, v in (
        ("host", (Role.HOST,), None, village),
        ("admin", (Role.ADMIN,), None, village),
        ("sup", (Role.SUPERVISOR,), None, village),
        ("clerk", (Role.CLERK,), None, village),
        ("li_user", (Role.RESIDENT,), li, village),
        ("wang_user", (Role.RESIDENT,), wang, village),
        ("other_admin", (Role.ADMIN, Role.SUPERVISOR), None, other_village),
    ):
        data[name] = make_user(v, roles=roles, resident=resident)
    return data


def as_user(app, login, user):
    return login(user, app.test_client())


def test_report_review_board_object_decide(app, login, session, w, fixed_clock):
    host = as_user(app, login, w["host"])
    page = host.get("/awards/report?q=王")  # the picker: a search, not a dropdown of everyone
    assert page.status_code == 200 and "王建国" in page.text and "户号 1001" in page.text
    r = host.post(
        "/awards/report",
        data={"resident_id": w["wang"].id, "rule_id": w["clean"].id, "quantity": 1},
    )
    assert r.status_code == 302
    r = host.post(
        "/awards/report",
        data={
            "resident_id": w["wang"].id,
            "rule_id": w["flood"].id,
            "quantity": 2,
            "note": "防汛",
            "photo": (io.BytesIO(PNG), "a.png"),
        },
        content_type="multipart/form-data",
    )
    assert r.status_code == 302
    award = awards.list_awards(session, w["h1"].village_id, status=AwardStatus.PENDING).items[0]
    assert award.amount == 20 and award.evidence_path

    sup = as_user(app, login, w["sup"])
    queue = sup.get("/awards/review")
    assert queue.status_code == 200 and "规则ZY02" in queue.text
    r = sup.post(f"/awards/{award.id}/reject", data={"reason": ""})
    assert r.status_code == 400
    # The host cannot approve their own report (and has no reviewer role anyway).
    assert host.post(f"/awards/{award.id}/approve").status_code == 403
    assert sup.post(f"/awards/{award.id}/approve").status_code == 302
    again = sup.post(f"/awards/{award.id}/approve")
    assert again.status_code == 409

    li = as_user(app, login, w["li_user"])
    board = li.get("/board")
    assert (
        board.status_code == 200
        and "规则ZY02" in board.text
        and f"/awards/{award.id}/object" in board.text
    )
    assert li.post(f"/awards/{award.id}/object", data={"reason": ""}).status_code == 400
    assert li.post(f"/awards/{award.id}/object", data={"reason": "他那天不在"}).status_code == 302
    assert li.post(f"/awards/{award.id}/object", data={"reason": "again"}).status_code == 409
    objections = sup.get("/awards/objections")
    assert "他那天不在" in objections.text and "李秀英" in objections.text
    # Who objected is the supervisors' to know, not the committee's (issue 14, finding 9).
    committee = as_user(app, login, w["admin"]).get("/awards/objections")
    assert "他那天不在" in committee.text and "李秀英" not in committee.text
    objection = awards.open_objections(session, w["h1"].village_id)[0]
    assert (
        sup.post(
            f"/objections/{objection.id}/decide", data={"decision": "dismiss", "reason": ""}
        ).status_code
        == 400
    )
    # The supervisor approved it, so stands aside; the committee decides (issue 14).
    refused = sup.post(
        f"/objections/{objection.id}/decide",
        data={"decision": "dismiss", "reason": "值班表显示其在岗"},
    )
    assert refused.status_code == 403
    admin = as_user(app, login, w["admin"])
    assert (
        admin.post(
            f"/objections/{objection.id}/decide",
            data={"decision": "dismiss", "reason": "值班表显示其在岗"},
        ).status_code
        == 302
    )
    mine = li.get("/me")
    assert "值班表显示其在岗" in mine.text

    fixed_clock.advance(days=8)
    wang = as_user(app, login, w["wang_user"])
    me = wang.get("/me")  # lazily confirms
    assert me.status_code == 200
    session.refresh(w["h1"])
    assert (w["h1"].balance, w["h1"].pending, w["h1"].honour_score) == (25, 0, 25)
    assert "防汛" in me.text and "规则ZY02" in me.text


def test_page_roles_and_isolation(app, login, client, session, w):
    award = awards.create_award(
        session,
        village=session.get(Village, w["h1"].village_id),
        rule=w["flood"],
        resident=w["wang"],
        by=w["host"],
    )
    session.commit()
    # Not logged in: to the login page.
    for url in (
        "/awards/report",
        "/awards/review",
        "/awards/objections",
        "/board",
        "/ledger/verify",
        "/rules",
        "/claims/new",
    ):
        assert client.get(url).status_code == 302
    refused = {
        "/awards/report": ("clerk", "sup", "li_user"),
        "/awards/review": ("host", "clerk", "li_user"),
        "/awards/objections": ("host", "clerk", "li_user"),
        "/ledger/verify": ("host", "clerk", "li_user"),
        "/ledger/correct": ("host", "sup", "li_user"),
        "/rules/import": ("host", "sup", "li_user"),
        f"/rules/{w['clean'].id}/revise": ("host", "sup", "li_user"),
    }
    for url, who in refused.items():
        for name in who:
            assert as_user(app, login, w[name]).get(url).status_code == 403, (url, name)
    for name in ("host", "clerk", "li_user"):
        c = as_user(app, login, w[name])
        assert c.post(f"/awards/{award.id}/approve").status_code == 403
        assert c.post(f"/awards/{award.id}/reject", data={"reason": "x"}).status_code == 403
        assert c.post(f"/rules/{w['clean'].id}/active", data={"active": "0"}).status_code == 403
    # Staff without a resident cannot claim.
    assert as_user(app, login, w["host"]).get("/claims/new").status_code == 403
    other = as_user(app, login, w["other_admin"])
    assert other.post(f"/awards/{award.id}/approve").status_code == 404
    assert other.post(f"/awards/{award.id}/reject", data={"reason": "x"}).status_code == 404
    # no resident record: refused (403) before the award is even looked up
    assert other.get(f"/awards/{award.id}/object").status_code == 403
    assert other.get(f"/rules/{w['clean'].id}").status_code == 404
    assert other.post(f"/rules/{w['clean'].id}/active", data={"active": "0"}).status_code == 404
    assert other.post("/ledger/correct", data={"entry_id": 1, "reason": "x"}).status_code in (
        404,
        409,
    )
    # The foreign rule cannot be chosen on the report form.
    host = as_user(app, login, w["host"])
    r = host.post(
        "/awards/report",
        data={"resident_id": w["wang"].id, "rule_id": w["foreign"].id, "quantity": 1},
    )
    assert r.status_code == 400
    r = host.post(
        "/awards/report",
        data={"resident_id": w["wang"].id, "rule_id": w["clean"].id, "quantity": 0},
    )
    assert r.status_code == 400
    # A pending award cannot be objected to yet.
    assert as_user(app, login, w["li_user"]).get(f"/awards/{award.id}/object").status_code == 404


def test_claim_correction_verify_pages(app, login, session, w):
    li = as_user(app, login, w["li_user"])
    page = li.get("/claims/new")
    assert page.status_code == 200 and "规则SS01" in page.text and "规则HJ01" not in page.text
    bad = li.post(
        "/claims/new",
        data={"rule_id": w["claim"].id, "photo": (io.BytesIO(b"GIF89a"), "x.gif")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 400
    ok = li.post(
        "/claims/new",
        data={"rule_id": w["claim"].id, "note": "清理垃圾", "photo": (io.BytesIO(PNG), "x.png")},
        content_type="multipart/form-data",
    )
    assert ok.status_code == 302
    me = li.get("/me")
    assert "清理垃圾" in me.text
    session.expire_all()
    assert (
        awards.list_awards(session, w["h1"].village_id, status=AwardStatus.PENDING)
        .items[0]
        .is_claim
    )

    entry = ledger.post(
        session, household_id=w["h1"].id, amount=7, kind=EntryKind.AWARD, resident_id=w["wang"].id
    )
    session.commit()
    admin = as_user(app, login, w["admin"])
    assert (
        admin.post("/ledger/correct", data={"entry_id": entry.id, "reason": ""}).status_code == 400
    )
    assert (
        admin.post("/ledger/correct", data={"entry_id": entry.id, "reason": "记错"}).status_code
        == 302
    )
    assert (
        admin.post("/ledger/correct", data={"entry_id": entry.id, "reason": "记错"}).status_code
        == 409
    )
    assert (
        admin.post("/ledger/correct", data={"entry_id": 999999, "reason": "x"}).status_code == 404
    )
    page = as_user(app, login, w["sup"]).get("/ledger/verify?lang=en")
    session.refresh(w["h1"])
    assert page.status_code == 200 and "All 2 entries in 2 households verify" in page.text
    assert w["h1"].ledger_head[:16] in page.text


def _sheet(rows):
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_rules_pages_and_import(app, login, session, w):
    admin = as_user(app, login, w["admin"])
    r = admin.post(
        f"/rules/{w['clean'].id}/revise",
        data={
            "title": "门前三包",
            "category": "环境卫生",
            "points": 6,
            "unit": "per_time",
            "effective_from": "2026-11-02",
            "adopted_ref": "村民代表会议 2026-03-05 决议",
            "for_donations": "y",
        },
    )
    assert r.status_code == 302
    detail = admin.get(f"/rules/{w['clean'].id}")
    assert "v2" in detail.text and "村民代表会议 2026-03-05 决议" in detail.text
    assert session.get(Rule, w["clean"].id).latest.for_donations is True
    assert (
        admin.post(
            f"/rules/{w['clean'].id}/revise",
            data={
                "title": "",
                "category": "x",
                "points": 6,
                "unit": "per_time",
                "effective_from": "2026-11-02",
            },
        ).status_code
        == 400
    )
    assert (
        admin.post(
            f"/rules/{w['clean'].id}/revise",
            data={
                "title": "x",
                "category": "x",
                "points": 0,
                "unit": "per_time",
                "effective_from": "2026-11-02",
            },
        ).status_code
        == 400
    )
    assert admin.post(f"/rules/{w['clean'].id}/active", data={"active": "0"}).status_code == 302
    assert "inactive" in admin.get("/rules?lang=en").text

    bad = _sheet(
        [
            ["编号", "名称", "类别", "分值"],
            ["N1", "新规则", "环境卫生", 4],
            ["N2", "", "环境卫生", 0],
            ["N1", "重复", "环境卫生", 2],
        ]
    )
    r = admin.post(
        "/rules/import",
        data={"file": (io.BytesIO(bad), "r.xlsx"), "effective_from": "2026-11-02"},
        content_type="multipart/form-data",
    )
    assert r.status_code == 400 and "N2" in r.text
    r = admin.post(
        "/rules/import",
        data={
            "content": base64.b64encode(bad).decode(),
            "effective_from": "2026-11-02",
            "confirm": "1",
        },
    )
    assert r.status_code == 400
    assert rules.get_rule_by_code(session, w["h1"].village_id, "N1") is None  # nothing written
    r = admin.post(
        "/rules/import",
        data={"file": (io.BytesIO(b"not a sheet"), "r.xlsx"), "effective_from": "2026-11-02"},
        content_type="multipart/form-data",
    )
    assert r.status_code == 400

    good = _sheet(
        [
            [
                "code",
                "title",
                "category",
                "points",
                "unit",
                "monthly_cap",
                "needs_review",
                "捐赠积分",
            ],
            ["N1", "新规则", "环境卫生", 4, "小时", 20, "是", "是"],
            ["ZY02", "规则ZY02", "志愿服务", 12, "per_time", None, True, None],
        ]
    )
    r = admin.post(
        "/rules/import",
        data={"file": (io.BytesIO(good), "r.xlsx"), "effective_from": "2026-11-02"},
        content_type="multipart/form-data",
    )
    assert r.status_code == 200 and "new rule" in r.text and "new version" in r.text
    content = base64.b64encode(good).decode()
    r = admin.post(
        "/rules/import", data={"content": content, "effective_from": "2026-11-02", "confirm": "1"}
    )
    assert r.status_code == 302
    session.expire_all()
    n1 = rules.get_rule_by_code(session, w["h1"].village_id, "N1")
    assert (
        n1.latest.points,
        n1.latest.unit.value,
        n1.latest.monthly_cap,
        n1.latest.needs_review,
        n1.latest.for_donations,
    ) == (4, "per_hour", 20, True, True)
    assert session.get(Rule, w["flood"].id).latest.version == 2


def test_verify_page_names_a_tampered_entry(app, login, session, connection, w):
    from sqlalchemy import text

    entry = ledger.post(session, household_id=w["h1"].id, amount=9, kind=EntryKind.AWARD)
    session.commit()
    if connection.dialect.name == "postgresql":
        connection.execute(
            text("ALTER TABLE ledger_entries DISABLE TRIGGER ledger_entries_append_only")
        )
    else:
        connection.execute(text("DROP TRIGGER ledger_entries_no_update"))
    connection.execute(
        text("UPDATE ledger_entries SET note = 'x' WHERE id = :id"), {"id": entry.id}
    )
    page = as_user(app, login, w["sup"]).get("/ledger/verify?lang=en")
    assert page.status_code == 200 and "problem(s) found" in page.text
    assert f"<td>{w['h1'].number}</td><td>{entry.id}</td><td>hash_mismatch</td>" in page.text


def test_expiry_settings_page(app, login, session, w):
    for name in ("host", "sup", "li_user"):
        assert as_user(app, login, w[name]).get("/village/expiry").status_code == 403
    admin = as_user(app, login, w["admin"])
    assert admin.get("/village/expiry").status_code == 200
    assert (
        admin.post("/village/expiry", data={"mode": "annual", "month": 2, "day": 30}).status_code
        == 400
    )
    assert (
        admin.post("/village/expiry", data={"mode": "weekly", "month": 1, "day": 1}).status_code
        == 400
    )
    assert (
        admin.post("/village/expiry", data={"mode": "annual", "month": 1, "day": 1}).status_code
        == 302
    )
    village = session.get(Village, w["h1"].village_id)
    session.refresh(village)
    assert (village.expiry_mode.value, village.expiry_month, village.expiry_day) == ("annual", 1, 1)
    other = as_user(app, login, w["other_admin"])
    assert (
        other.post("/village/expiry", data={"mode": "none", "month": 12, "day": 31}).status_code
        == 302
    )
    session.refresh(village)
    assert village.expiry_mode.value == "annual"


def test_claim_page_refuses_foreign_and_unclaimable_rules(app, login, w):
    li = as_user(app, login, w["li_user"])
    for rule in ("foreign", "clean"):
        r = li.post("/claims/new", data={"rule_id": w[rule].id, "note": "x"})
        assert r.status_code == 400, rule
    r = li.post("/claims/new", data={"rule_id": w["claim"].id, "note": "长" * 501})
    assert r.status_code == 400
    r = li.post("/claims/new", data={"rule_id": w["claim"].id})
    assert r.status_code == 400  # neither a note nor a photo
