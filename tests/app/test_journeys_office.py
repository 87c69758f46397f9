"""The village office's journey on a phone: the dashboard's trends over a year of a village's
history, a roster upload's preview with a row in error, and a 村民小组's monthly statements
as printed. Each page is checked for what it shows and with axe-core, and photographed for
the README (journeyutil.SCREENSHOTS).

The year is written through the services (meetings with check-ins, awards, redemptions)
with the clock moved month by month; the test keeps its own account of every point written,
which the pages' figures must agree with.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from points import awards, events, residents, rules, users, villages
from points.errors import InsufficientPoints
from points.event_models import CheckinMethod
from points.models import Group, Resident, Role, User
from store import catalogue, orders
from tests.app.journeyutil import (
    PASSWORD,
    axe_violations,
    describe,
    log_in,
    phone_context,
    screenshot,
)
from tests.dbutil import row_counts
from tests.xlsxutil import HEADER, sheet_bytes

pytestmark = pytest.mark.browser

CODE = "journey-office"
GROUPS = ("第一村民小组", "第二村民小组")
# (户号, 村民小组, [(姓名, 电话, 性别, 出生年份, 与户主关系)]): the head first.
HOUSEHOLDS = (
    ("1001", 0, [("张建国", "13900011001", "男", 1962, "户主"), ("李秀英", None, "女", 1964, "配偶")]),
    ("1002", 0, [("王桂兰", "13900011002", "女", 1958, "户主"), ("刘志强", None, "男", 1985, "子")]),
    ("1003", 0, [("陈海燕", "13900011003", "女", 1979, "户主")]),
    ("1004", 0, [("杨德明", "13900011004", "男", 1970, "户主"), ("赵春花", None, "女", 1972, "配偶")]),
    ("2001", 1, [("黄国平", "13900012001", "男", 1966, "户主"), ("周玉梅", None, "女", 1968, "配偶")]),
    ("2002", 1, [("吴文华", "13900012002", "男", 1955, "户主")]),
    ("2003", 1, [("徐丽娟", "13900012003", "女", 1981, "户主"), ("孙永红", None, "男", 1980, "配偶")]),
    ("2004", 1, [("马志勇", "13900012004", "男", 1975, "户主")]),
)  # fmt: skip
HISTORY = [date(2025, 12, 1)] + [date(2026, m, 1) for m in range(1, 11)]  # then November
TODAY = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)  # the fixed clock: 10:00 in the village


def _at(month: date, day: int, hour_utc: int = 2) -> datetime:
    return datetime(month.year, month.month, day, hour_utc, tzinfo=UTC)


def _label(month: date) -> str:
    return month.strftime("%Y-%m")


@dataclass
class Office:
    """The village and the test's own account of what was written."""

    village_id: int
    admin: str
    group_ids: dict[str, int]
    # household number -> [(month, "earned" | "spent", amount)]
    flows: dict[str, list] = field(default_factory=lambda: defaultdict(list))
    issued: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))
    redeemed: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))
    meetings: list[tuple[str, int, int]] = field(default_factory=list)  # title, came, invited

    def earn(self, number: str, month: date, amount: int) -> None:
        self.flows[number].append((month, "earned", amount))
        self.issued[(_label(month), self.group_of(number))] += amount

    def spend(self, number: str, month: date, amount: int) -> None:
        self.flows[number].append((month, "spent", amount))
        self.redeemed[(_label(month), self.group_of(number))] += amount

    @staticmethod
    def group_of(number: str) -> str:
        return next(GROUPS[g] for n, g, _people in HOUSEHOLDS if n == number)

    def statement(self, number: str, month: date) -> dict[str, int]:
        rows = self.flows[number]
        signed = [(m, a if kind == "earned" else -a) for m, kind, a in rows]
        opening = sum(a for m, a in signed if m < month)
        earned = sum(a for m, kind, a in rows if m == month and kind == "earned")
        spent = sum(a for m, kind, a in rows if m == month and kind == "spent")
        return {
            "opening": opening,
            "earned": earned,
            "spent": spent,
            "closing": opening + earned - spent,
        }


def _rule(s, village_id, code, title, category, points, unit="per_time"):
    terms = rules.clean_terms(
        {"title": title, "category": category, "points": points, "unit": unit}
    )
    return rules.create_rule(
        s, village_id=village_id, code=code, terms=terms, effective_from=HISTORY[0], by_id=None
    )


def _make_office(live_server, clock, code: str = CODE) -> Office:
    """A village of eight households in two 村民小组 with a year of history, eleven months
    before the fixed clock's November and two days of it (``code``: the village's code, one
    per test, as the live server's database is shared)."""
    rng = random.Random(18)
    clock.now = _at(HISTORY[0], 1)
    with live_server.db.session() as s, s.begin():
        v = villages.create_village(s, code=code, name="青山村")
        for number, g, people in HOUSEHOLDS:
            residents.create_household(s, village_id=v.id, number=number, group=GROUPS[g])
            for name, phone, *_rest in people:
                residents.create_resident(
                    s, village_id=v.id, household_number=number, name=name, phone=phone
                )
        users.create_user(
            s,
            username=f"{code}-admin",
            password=PASSWORD,
            village_id=v.id,
            roles=[Role.ADMIN],
            full_name="村两委 管理员",
        )
        host_id = users.create_user(
            s, username=f"{code}-host", password=PASSWORD, village_id=v.id, roles=[Role.HOST]
        ).id
        _rule(s, v.id, "YS01", "参加村民议事会", "议事协商", 5)
        _rule(s, v.id, "LJ01", "垃圾分类投放正确", "垃圾分类", 2)
        _rule(s, v.id, "HJ01", "门前三包达标", "环境卫生", 5)
        _rule(s, v.id, "ZY01", "参加志愿服务（按小时）", "志愿服务", 3, unit="per_hour")
        items = [
            catalogue.create_item(
                s,
                village_id=v.id,
                by_id=None,
                stock=stock,
                data={"name": name, "unit": unit, "price": price, "low_stock_threshold": low},
            )
            for name, unit, price, stock, low in (
                ("肥皂", "块", 5, 60, 10),
                ("毛巾", "条", 12, 40, 10),
                ("洗衣粉", "袋", 15, 30, 10),
                ("食用油", "桶", 40, 8, 5),
            )
        ]
        item_ids = [i.id for i in items]
        groups = s.scalars(select(Group).where(Group.village_id == v.id))
        office = Office(v.id, f"{code}-admin", {gr.name: gr.id for gr in groups})
        village_id = v.id

    def month_of_awards(s, month: date, day: int, share: float) -> None:
        village = villages.get_village_by_code(s, code)
        host = s.get(User, host_id)
        everyday = [rules.get_rule_by_code(s, village_id, c) for c in ("LJ01", "HJ01", "ZY01")]
        clock.now = _at(month, day)
        people = s.scalars(
            select(Resident).where(Resident.village_id == village_id).order_by(Resident.id)
        ).all()
        for person in people:
            for rule in everyday:
                if rng.random() < share:
                    quantity = rng.randint(1, 3) if rule.code == "ZY01" else 1
                    award = awards.create_award(
                        s,
                        village=village,
                        rule=rule,
                        resident=person,
                        by=host,
                        quantity=quantity,
                    )
                    office.earn(person.household.number, month, award.amount)

    for n, month in enumerate(HISTORY):
        with live_server.db.session() as s, s.begin():
            host = s.get(User, host_id)
            starts = _at(month, 10, 11)  # 19:00 in the village
            clock.now = starts - timedelta(days=3)
            meeting = events.create_event(
                s,
                village_id=village_id,
                title=f"{month.month}月村民议事会",
                kind="meeting",
                starts_at=starts,
                ends_at=starts + timedelta(hours=2),
                rule_id=rules.get_rule_by_code(s, village_id, "YS01").id,
                by_id=host.id,
            )
            clock.now = starts + timedelta(minutes=5)
            events.open_event(s, meeting, by_id=host.id)
            turnout = 0.35 + 0.45 * abs(6 - n) / 6  # fuller in winter, thinner at harvest
            came = 0
            people = s.scalars(
                select(Resident).where(Resident.village_id == village_id).order_by(Resident.id)
            ).all()
            for person in people:
                if rng.random() < turnout:
                    result = events.check_in(
                        s,
                        event=meeting,
                        resident=person,
                        method=CheckinMethod.CARD,
                        by_id=host.id,
                    )
                    office.earn(person.household.number, month, result.points_awarded)
                    came += 1
            office.meetings.append((meeting.title, came, len(people)))
            clock.now = starts + timedelta(hours=2)
            events.close_event(s, meeting, by_id=host.id)
            month_of_awards(s, month, 20, 0.3 + 0.02 * n)
            clock.now = _at(month, 25)
            for number, _g, _people in HOUSEHOLDS:
                balance = sum(a if kind == "earned" else -a for _m, kind, a in office.flows[number])
                line = {"item_id": item_ids[rng.randrange(3)], "quantity": 1}
                if n % 3 == 2 and balance >= 40 and rng.random() < 0.4:
                    line = {"item_id": item_ids[3], "quantity": 1}
                elif rng.random() > 0.45:
                    continue
                household = residents.find_household_by_number(s, village_id, number)
                try:
                    receipt = orders.redeem(
                        s,
                        village_id=village_id,
                        household_id=household.id,
                        lines=[line],
                        clerk_id=None,
                    )
                except InsufficientPoints:
                    continue
                office.spend(number, month, receipt.total)
    with live_server.db.session() as s, s.begin():
        month_of_awards(s, date(2026, 11, 1), 1, 0.2)
    clock.now = TODAY
    return office


def _roster_sheet(tmp_path):
    """The whole village as the office keeps it, with birth years now: 刘志强 has set up his
    own household (1005), a granddaughter was born in 1001, and a newcomer has 黄国平's old
    phone number, which the village still has as his (an error of the newcomer's row)."""
    rows = []
    for number, g, people in HOUSEHOLDS:
        for name, phone, sex, year, relation in people:
            number_now = number
            if name == "刘志强":
                number_now, relation = "1005", "户主"
            if name == "黄国平":
                phone = None  # he has let his old number go
            rows.append([number_now, name, sex, year, phone, GROUPS[g], relation, None])
        if number == "1001":
            rows.append(["1001", "张子涵", "女", 2019, None, GROUPS[0], "孙女", None])
    newcomer = ["2005", "林晓东", "男", 1990, "13900012001", GROUPS[1], "户主", None]
    rows.append(newcomer)
    path = tmp_path / "青山村花名册.xlsx"
    path.write_bytes(sheet_bytes(rows, header=HEADER))
    return path, len(rows) + 1  # the newcomer's row number (the header is row 1)


def test_the_office_reads_the_year_imports_the_roster_and_prints_statements(
    live_server, launch_browser, fixed_clock, tmp_path
):
    office = _make_office(live_server, fixed_clock)
    browser = launch_browser()
    context = phone_context(browser)
    page = context.new_page()
    errors = []
    # The roster preview with a row in error answers 422 (Chromium logs that as an error).
    page.on(
        "console",
        lambda m: errors.append(m.text) if m.type == "error" and "422" not in m.text else None,
    )
    found = {}
    log_in(page, live_server.url, office.admin, "/staff")

    # The dashboard: this month's figures, then a year of trends drawn by ECharts.
    page.goto(live_server.url + "/admin/dashboard")
    for chart in ("attendance", "flows-category", "flows-group", "idle", "stock"):
        page.wait_for_selector(f'[data-chart="{chart}"] canvas')
    november = sum(a for m, kind, a in sum(office.flows.values(), []) if m.month == 11)
    assert november > 0
    awarded = page.locator("section.figures div").filter(has_text="发放积分")
    assert awarded.locator("strong").inner_text() == str(november)
    group_table = page.locator("figure.chart").filter(has_text="每月积分（按村民小组）")
    rows = {
        tuple(r.split("\t")[:2]): r.split("\t")[2:]
        for r in group_table.locator("tbody tr").all_inner_texts()
    }
    for (month, group), amount in office.issued.items():
        assert rows[(month, group)][:2] == [
            str(amount),
            str(office.redeemed.get((month, group), 0)),
        ], (month, group)
    meetings = page.locator("figure.chart").filter(has_text="每次会议的到会率")
    assert [r.split("\t")[1:4] for r in meetings.locator("tbody tr").all_inner_texts()] == [
        [title, str(came), str(invited)] for title, came, invited in office.meetings
    ]
    assert "食用油" in page.locator("figure.chart").filter(has_text="库存预警").inner_text()
    if violations := axe_violations(page):
        found["/admin/dashboard"] = violations
    # The page fits the phone's width, charts and backup warning included (their tables
    # scroll sideways: test_browser_office_phone.py).
    rights = page.eval_on_selector_all(
        "section.charts, figure.chart, .chart-canvas canvas",
        "els => els.map(e => e.getBoundingClientRect().right)",
    )
    assert rights and max(rights) <= 390, rights
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.evaluate(
        "window.scrollTo(0, document.querySelector('#charts-heading').getBoundingClientRect()"
        ".top + window.scrollY - 8)"
    )
    screenshot(page, "dashboard-charts.png")

    # The roster: a sheet written here, uploaded, previewed with its one bad row.
    sheet, bad_row = _roster_sheet(tmp_path)
    page.goto(live_server.url + "/admin/roster")
    with live_server.db.session(write=False) as s:
        before = row_counts(s)
    page.set_input_files("#file", str(sheet))
    with page.expect_response(
        lambda r: r.url.endswith("/admin/roster") and r.request.method == "POST"
    ) as answer:
        page.click("main form button[type=submit]")
    assert answer.value.status == 422
    preview = page.locator("#preview")
    summary = preview.locator("p").first.inner_text()
    assert "新增：2" in summary and "迁户：1" in summary and "更新：12" in summary, summary
    assert "标记迁出：0" in summary
    assert preview.locator("p.error").inner_text() == "请修改下面的行后重新上传；未导入任何数据。"
    assert preview.locator("#errors tbody tr").all_inner_texts() == [
        f"{bad_row}\t电话\t已是另一位村民的电话"
    ]
    listed = preview.inner_text()
    assert "刘志强（1985）：1002 → 1005" in listed and "张子涵" in listed and "林晓东" in listed
    assert preview.locator("button[name=confirm]").count() == 0  # nothing to import
    with live_server.db.session(write=False) as s:
        assert row_counts(s) == before
    if violations := axe_violations(page):
        found["/admin/roster"] = violations
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # The answer opens at the preview: what the sheet would change, the row in error, the
    # column mapping folded away, the moves and the newcomers.
    assert page.locator("#errors").bounding_box()["y"] < 844
    screenshot(page, "roster-preview.png")

    # The statements of 第一村民小组 for October, two households to an A4 page.
    october = date(2026, 10, 1)
    group_id = office.group_ids[GROUPS[0]]
    page.goto(f"{live_server.url}/admin/statements?month=2026-10&group={group_id}")
    sheets = page.locator("section.statement")
    assert sheets.count() == 4
    for number, g, people in HOUSEHOLDS:
        if g != 0:
            continue
        sheet_of = sheets.filter(has_text=f"户号：{number}")
        text = sheet_of.inner_text()
        assert "青山村户积分月结单" in text and "2026年10月" in text.replace(" ", "")
        assert all(name in text for name, *_rest in people)
        figures = sheet_of.locator("table.figures td").all_inner_texts()
        want = office.statement(number, october)
        assert figures[:2] == [str(want["opening"]), str(want["earned"])], number
        assert figures[3] == str(want["spent"]) and figures[5] == str(want["closing"]), number
    if violations := axe_violations(page):
        found["/admin/statements"] = violations
    # As it comes out of the printer: the printable width of A4 (15 mm margins), the first
    # sheet of paper with its two households and the cut line between them.
    page.set_viewport_size({"width": 680, "height": 1009})
    page.emulate_media(media="print")
    assert page.locator(".controls").is_hidden()
    second = sheets.nth(1).bounding_box()
    assert second["y"] + second["height"] <= 1009  # two households fit a page
    page.set_viewport_size({"width": 680, "height": round(second["y"] + second["height"])})
    screenshot(page, "statement-sheet.png")

    context.close()
    assert not errors, errors
    assert not found, describe(found)
