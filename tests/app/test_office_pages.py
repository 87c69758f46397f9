"""Household statements, the audit log page and its export, and the expiry notices, over
HTTP (clock pinned to 2 Nov 2026)."""

import io
import re
from datetime import UTC, datetime

from openpyxl import load_workbook

from points import audit, expiry, ledger
from points.models import EntryKind, Role
from tests.eventutil import make_rule


def _setup(session, village, make_household, make_resident):
    expiry.set_expiry(session, village, mode="annual", month=12, day=1, by_id=None)
    one = make_household(village, "001", group="第一组")
    two = make_household(village, "002", group="第二组")
    li = make_resident(village, one, name="李明")
    make_resident(village, two, name="王芳")
    version = make_rule(session, village).versions[-1]
    ledger.post(
        session,
        household_id=one.id,
        resident_id=li.id,
        amount=20,
        kind=EntryKind.AWARD,
        rule_version=version,
    )
    ledger.post(session, household_id=one.id, amount=-6, kind=EntryKind.REDEMPTION)
    session.commit()
    return one, two, li


def test_statements_per_group_for_the_group_leader(
    client, login, session, village, make_household, make_resident, make_user, fixed_clock
):
    one, _two, _li = _setup(session, village, make_household, make_resident)
    login(make_user(village, roles=(Role.HOST,)))
    page = client.get(f"/admin/statements?group={one.group_id}&month=2026-11").get_data(
        as_text=True
    )
    assert page.count('class="statement"') == 1
    assert "幸福村户积分月结单" in page and "2026年11月" in page and "户号：001" in page
    assert "家庭成员：李明" in page and "王芳" not in page
    cells = re.findall(r'<td class="num">(?:<strong>)?(-?\d+)', page)
    # start, earned, deducted, spent, cleared, end, pending
    assert cells == ["0", "20", "0", "6", "0", "14", "0"]
    assert "14 分将于 12 月 1 日清零。" in page
    assert "幸福村村民委员会" in page and "data-print" in page
    # the whole village: both households; a bad month or another village's group refused
    assert client.get("/admin/statements").get_data(as_text=True).count('class="statement"') == 2
    assert client.get("/admin/statements?month=2026-13").status_code == 400
    assert client.get("/admin/statements?month=2027-01").status_code == 400
    assert client.get("/admin/statements?group=999999").status_code == 404


def test_the_resident_sees_the_clearing_coming_and_their_statement(
    client, login, session, village, make_household, make_resident, make_user, fixed_clock
):
    one, _two, li = _setup(session, village, make_household, make_resident)
    login(make_user(village, roles=(Role.RESIDENT,), resident=li))
    page = client.get("/me").get_data(as_text=True)
    assert "14 分将于 12 月 1 日清零。" in page and "/me/statement" in page
    page = client.get("/me/statement").get_data(as_text=True)
    assert page.count('class="statement"') == 1 and "户号：001" in page
    # residents may not print the village's statements
    assert client.get("/admin/statements").status_code == 403


def test_the_admin_page_says_when_the_clearing_last_ran(
    client, login, session, village, make_household, make_resident, make_user, fixed_clock
):
    one, _two, _li = _setup(session, village, make_household, make_resident)
    admin = make_user(village, roles=(Role.ADMIN,))
    login(admin)
    assert "尚未执行过积分清零" in client.get("/village/expiry").get_data(as_text=True)
    fixed_clock.now = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # 09:00 on the day
    assert client.get("/me").status_code == 200  # the first request runs it
    session.expire_all()
    assert session.get(type(one), one.id).balance == 0
    page = client.get("/village/expiry").get_data(as_text=True)
    assert "清零日 2026-12-01，共 1 户、14 分" in page


def test_the_audit_page_filters_and_exports_text_as_text(
    client, login, session, village, make_user, fixed_clock
):
    supervisor = make_user(village, roles=(Role.SUPERVISOR,), username="jiandu")
    clerk = make_user(village, roles=(Role.CLERK,), username="dianyuan")
    audit.record(
        session,
        action="order.void",
        by_id=clerk.id,
        village_id=village.id,
        after={"reason": '=HYPERLINK("http://x")'},
    )
    audit.record(session, action="stock.move", by_id=clerk.id, village_id=village.id)
    session.commit()
    login(supervisor)  # a login is itself recorded
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "兑换单作废" in page and "库存变动" in page and "登录" in page
    page = client.get("/admin/audit?kind=order").get_data(as_text=True)
    assert "兑换单作废" in page and "库存变动" not in page and "共 1 条" in page
    page = client.get(f"/admin/audit?user={clerk.id}&from=2026-11-02&to=2026-11-02").get_data(
        as_text=True
    )
    assert "共 2 条" in page
    assert "共 0 条" in client.get("/admin/audit?from=2026-11-03").get_data(as_text=True)
    for bad in ("from=2026-13-01", "user=x", "kind=a%20b", "offset=x"):
        assert client.get(f"/admin/audit?{bad}").status_code == 400
    r = client.get("/admin/audit.xlsx?kind=order")
    sheet = load_workbook(io.BytesIO(r.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0].startswith("幸福村操作日志")
    assert rows[1][:3] == ("时间", "操作人", "操作")
    assert rows[2][1:4] == ("dianyuan", "兑换单作废", "order.void")
    cell = sheet.cell(row=3, column=7)
    assert cell.value == 'reason==HYPERLINK("http://x")' and cell.data_type == "s"
    # only supervisors and admins
    client.post("/logout")
    login(clerk)
    assert client.get("/admin/audit").status_code == 403
