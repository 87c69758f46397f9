"""Exports (.xlsx) opened and read cell by cell: a title row (village, period, printed at),
the headers, the rows; a name like =HYPERLINK(...) stays text in every workbook."""

from datetime import date

import pytest

from points import awards, events, postings, residents, rules
from points.deliberation import topics
from points.event_models import CheckinMethod
from points.models import Role
from store import catalogue, donations, orders
from tests.eventutil import make_event, make_rule
from tests.xlsxutil import read_book

EVIL = '=HYPERLINK("http://x","y")'
PERIOD = "from=2026-11-01&to=2026-11-30"


@pytest.fixture
def office(session, village, make_user, fixed_clock):
    evil = residents.create_resident(
        session, village_id=village.id, household_number="1001", name=EVIL, group="第一组"
    )
    li = residents.create_resident(
        session, village_id=village.id, household_number="1002", name="李四", group="第一组"
    )
    session.commit()
    admin = make_user(village, roles=[Role.ADMIN])
    host = make_user(village, roles=[Role.HOST])
    li_user = make_user(village, roles=[Role.RESIDENT], resident=li)
    plain = rules.create_rule(
        session,
        village_id=village.id,
        code="HJ",
        by_id=None,
        effective_from=date(2026, 1, 1),
        terms=rules.clean_terms({"title": "+清扫", "category": "环境卫生", "points": 5}),
    )
    reviewed = rules.create_rule(
        session, village_id=village.id, code="JB", by_id=None, effective_from=date(2026, 1, 1),
        terms=rules.clean_terms({"title": "见义勇为", "category": "其他", "points": 50,
                                 "needs_review": True}),
    )  # fmt: skip
    awards.create_award(session, village=village, rule=plain, resident=evil, by=host, note="-1")
    held = awards.create_award(session, village=village, rule=reviewed, resident=evil, by=host)
    awards.approve(session, held, by=admin)
    awards.object_to(session, held, by=li_user, reason="@不属实")
    event = make_event(session, village, make_rule(session, village, code="YS1"), title="=议事会")
    events.open_event(session, event, by_id=None)
    events.check_in(session, event=event, resident=evil, method=CheckinMethod.MANUAL, by_id=None)
    soap = catalogue.create_item(
        session,
        village_id=village.id,
        data={"name": "=肥皂", "price": 2},
        stock=10,
        by_id=admin.id,
    )
    orders.redeem(
        session, village_id=village.id, household_id=evil.household_id,
        lines=[{"item_id": soap.id, "quantity": 1}], clerk_id=admin.id, resident_id=evil.id,
    )  # fmt: skip
    donations.record_donation(
        session,
        village=village,
        donor_name=EVIL,
        lines=[{"item_id": soap.id, "quantity": 3}],
        by_id=admin.id,
    )
    topics.submit(session, village=village, by=li_user, title="+修路", description="村口")
    session.commit()
    postings.create_posting(session, village=village, month_text="2026-11", by_id=None)
    session.commit()
    return {"admin": admin, "supervisor": make_user(village, roles=[Role.SUPERVISOR])}


def _get(client, headers, kind, query=PERIOD):
    r = client.get(f"/api/v1/exports/{kind}.xlsx?{query}", headers=headers)
    assert r.status_code == 200, r.data
    return read_book(r.data)


def _rows(sheet):
    """Each row's values, without the empty cells the sheet's width pads it with."""
    width = len([c for c in sheet[2] if c.value is not None])
    return [[c.value for c in row][:width] for row in sheet.iter_rows()]


def _title(sheet):
    return [c.value for c in sheet[1] if c.value is not None]


def _all_text_is_text(sheet):
    for row in sheet.iter_rows():
        for c in row:
            assert c.data_type != "f", (c.coordinate, c.value)


def test_every_export_has_a_title_row_and_no_formula(client, village, office, token_for):
    headers = token_for(office["supervisor"])
    for kind in ("ledger", "awards", "attendance", "orders", "stock", "topics", "donations"):
        sheet = _get(client, headers, kind)
        title = _title(sheet)
        assert title[0].startswith("幸福村 "), (kind, title)
        assert title[1:] == ["2026-11-01 至 2026-11-30", "2026-11-02 10:00"], kind
        _all_text_is_text(sheet)
    posting = _get(client, headers, "posting", "from=2026-11-01")
    assert _title(posting)[0] == "幸福村 2026-11 户积分公示"
    assert _title(posting)[1].startswith("2026-11 · 校验码 ")


def test_ledger_and_awards_cell_by_cell(client, village, office, token_for):
    headers = token_for(office["admin"])
    ledger = _get(client, headers, "ledger")
    assert _rows(ledger)[1] == [
        "时间",
        "户号",
        "村民",
        "类别",
        "细则",
        "积分",
        "余额",
        "说明",
        "流水号",
    ]
    first, checkin, redemption = _rows(ledger)[2:5]
    assert first == ["2026-11-02 10:00", "1001", EVIL, "加分", "+清扫", 5, 5, "-1", "1001-1"]
    name = ledger["C3"]
    assert name.value == EVIL and name.data_type == "s"
    assert ledger["E3"].data_type == "s" and ledger["H3"].data_type == "s"
    assert checkin[3:6] == ["加分", "参加议事协商会", 5]
    assert redemption[3] == "兑换" and redemption[5:7] == [-2, 8]
    table = _rows(_get(client, headers, "awards"))
    assert table[1][-1] == "异议"
    held = table[3]
    assert held[1:7] == ["1001", EVIL, "见义勇为", 1, 50, "有异议"]
    assert held[-1] == "李四：@不属实（待处理）"


def test_attendance_orders_stock_donations_topics(client, village, office, token_for):
    headers = token_for(office["supervisor"])
    attendance = _rows(_get(client, headers, "attendance"))
    assert attendance[2][:4] == ["=议事会", "2026-11-02 09:30", EVIL, "1001"]
    assert attendance[2][5:] == ["手动签到", "有效"]
    order = _rows(_get(client, headers, "orders"))[2]
    assert order[2:7] == ["1001", EVIL, "=肥皂×1", 2, "已完成"]
    stock = _rows(_get(client, headers, "stock"))
    assert [r[1:4] for r in stock[2:]] == [
        ["=肥皂", 10, "采购入库"],
        ["=肥皂", -1, "兑换出库"],
        ["=肥皂", 3, "捐赠入库"],
    ]
    gift = _rows(_get(client, headers, "donations"))[2]
    assert gift[1:3] == [EVIL, "=肥皂×3"]
    topic = _rows(_get(client, headers, "topics"))[2]
    assert topic[2:5] == ["+修路", None, "收集"]  # an empty text is an empty cell


def test_bad_requests_are_clear_4xx(client, village, office, token_for):
    headers = token_for(office["admin"])
    assert client.get("/api/v1/exports/bogus.xlsx", headers=headers).status_code == 400
    bad = client.get("/api/v1/exports/ledger.xlsx?from=2026-13-01", headers=headers)
    assert bad.status_code == 400
    backwards = client.get(
        "/api/v1/exports/ledger.xlsx?from=2026-11-30&to=2026-11-01", headers=headers
    )
    assert backwards.status_code == 400
    missing = client.get("/api/v1/exports/posting.xlsx?from=2026-10-01", headers=headers)
    assert missing.status_code == 404


def test_the_exports_page_lists_every_kind(client, village, office, login):
    login(office["supervisor"])
    page = client.get("/admin/exports?from=2026-11-01&to=2026-11-30")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    for kind in (
        "ledger",
        "awards",
        "attendance",
        "orders",
        "stock",
        "topics",
        "donations",
        "posting",
    ):
        assert f"/admin/exports/{kind}.xlsx?from=2026-11-01&amp;to=2026-11-30" in text
    r = client.get("/admin/exports/ledger.xlsx?from=2026-11-01&to=2026-11-30")
    assert r.status_code == 200 and read_book(r.data)["C3"].value == EVIL
