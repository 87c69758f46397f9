"""The village office's pages on a phone (390 × 844), with the office journey's year of
history: nothing wider than the screen, the charts' tables one line per cell (scrolling
sideways, words aligned left and figures right), the backup warning wrapping its folder, the
roster preview's errors before its column mapping and its lists the card's full width, a
badly formatted cell saying the counts are not known, and the statements' controls in rows.
axe-core finds nothing serious on any of them."""

from __future__ import annotations

import pytest

from tests.app.journeyutil import (
    OVERFLOWING,
    WRAPPED,
    axe_violations,
    describe,
    log_in,
    phone_context,
)
from tests.app.test_journeys_office import GROUPS, _make_office, _roster_sheet
from tests.dbutil import row_counts
from tests.xlsxutil import HEADER, sheet_bytes

pytestmark = pytest.mark.browser

# Per chart table: the computed text-align of each column, header and body cells alike.
ALIGNMENTS = """
(id) => {
  const table = document.querySelector(`[data-chart="${id}"]`).closest('figure')
    .querySelector('table.chart-table');
  const columns = [];
  for (const row of table.rows) {
    Array.from(row.cells).forEach((cell, i) => {
      (columns[i] = columns[i] || new Set()).add(getComputedStyle(cell).textAlign);
    });
  }
  return columns.map(set => Array.from(set).sort().join('|'));
}
"""


def _width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def _upload(page, base_url: str, path) -> int:
    page.goto(base_url + "/admin/roster")
    page.set_input_files("#file", str(path))
    with page.expect_response(
        lambda r: r.url.endswith("/admin/roster") and r.request.method == "POST"
    ) as answer:
        page.click("main form button[type=submit]")
    return answer.value.status


def test_the_office_pages_fit_a_phone(live_server, launch_browser, fixed_clock, tmp_path):
    # No backup yet, kept in a folder with a long name: the dashboard warns, naming it.
    folder = tmp_path / "cunyue-backups-of-the-village-office-kept-on-its-own-computer"
    live_server.app.config["BACKUP_DIR"] = str(folder)
    office = _make_office(live_server, fixed_clock, "office-phone")
    page = phone_context(launch_browser()).new_page()
    found = {}
    log_in(page, live_server.url, office.admin, "/staff")

    # The dashboard: its charts' tables and the backup warning.
    page.goto(live_server.url + "/admin/dashboard")
    page.wait_for_selector('[data-chart="stock"] canvas')
    warning = page.locator("#backups p.flash.error")
    assert folder.name in warning.inner_text()
    assert _width(page) <= 390
    assert page.evaluate(OVERFLOWING) == []
    assert page.evaluate(WRAPPED, "table.chart-table th, table.chart-table td") == []
    # Words to the left, figures to the right: 日期 会议 | 已签到 应到 到会率.
    assert page.evaluate(ALIGNMENTS, "attendance") == ["left", "left", "right", "right", "right"]
    assert page.evaluate(ALIGNMENTS, "flows-group") == ["left", "left", "right", "right", "right"]
    assert page.evaluate(ALIGNMENTS, "idle") == ["left", "right", "right"]
    if violations := axe_violations(page):
        found["/admin/dashboard"] = violations
    # On a smaller phone (320 px) the meetings' table is wider than the screen: it scrolls
    # sideways (by keyboard too), its cells still on one line and its dates staying in view.
    page.set_viewport_size({"width": 320, "height": 700})
    page.reload()
    page.wait_for_selector('[data-chart="stock"] canvas')
    assert _width(page) <= 320
    assert page.evaluate(WRAPPED, "table.chart-table th, table.chart-table td") == []
    scroller = page.locator("figure.chart").filter(has_text="每次会议的到会率").locator(".scroll")
    assert scroller.get_attribute("tabindex") == "0"
    assert scroller.evaluate("e => e.scrollWidth > e.clientWidth")
    scroller.evaluate("e => { e.scrollLeft = e.scrollWidth; }")
    left = scroller.evaluate("e => e.getBoundingClientRect().left")
    first = scroller.locator("tbody th").first
    assert abs(first.evaluate("e => e.getBoundingClientRect().left") - left) < 1
    assert first.inner_text() == "12-10"
    if violations := axe_violations(page):
        found["/admin/dashboard (320 px)"] = violations
    page.set_viewport_size({"width": 390, "height": 844})

    # The roster with one row in error (a phone already another resident's): the error
    # before the column mapping, which is folded away; the lists the full width.
    sheet, bad_row = _roster_sheet(tmp_path)
    assert _upload(page, live_server.url, sheet) == 422
    preview = page.locator("#preview")
    # The answer opens at the preview, with the error in view.
    errors_top = preview.locator("#errors").bounding_box()["y"]
    assert page.evaluate("window.scrollY") > 0 and 0 < errors_top < 844 - 100
    mapping = preview.locator("details.mapping")
    assert errors_top < mapping.bounding_box()["y"]
    assert not mapping.evaluate("e => e.open") and page.locator("#map_name").is_hidden()
    card = preview.bounding_box()["width"]
    widths = preview.locator("ul.entries li").evaluate_all(
        "els => els.map(e => e.getBoundingClientRect().width)"
    )
    assert len(widths) == 3 and min(widths) > card * 0.8, (widths, card)
    move = preview.locator("ul.entries li").filter(has_text="刘志强（1985）：1002 → 1005")
    assert move.count() == 1
    wrapped = page.evaluate(WRAPPED, "#preview ul.entries li")
    assert not [line for line in wrapped if "刘志强" in line], wrapped  # on one line
    summary = preview.locator("p").first.inner_text()
    assert "新增：2" in summary and "迁户：1" in summary  # counted, as they are
    assert "改正后可能会变" in preview.inner_text()
    assert _width(page) <= 390 and page.evaluate(OVERFLOWING) == []
    if violations := axe_violations(page):
        found["/admin/roster (a row in error)"] = violations

    # A badly formatted cell (a birth year in words): nothing is counted, and the page says
    # so rather than "新增：0"; nothing is written.
    bad_year = tmp_path / "bad-year.xlsx"
    bad_year.write_bytes(
        sheet_bytes(
            [
                ["1001", "张建国", "男", 1962, "13900011001", GROUPS[0], "户主", None],
                ["3001", "郑小明", "男", "一九九零", None, GROUPS[1], "户主", None],
            ],
            header=HEADER,
        )
    )
    with live_server.db.session(write=False) as s:
        before = row_counts(s)
    assert _upload(page, live_server.url, bad_year) == 422
    text = preview.inner_text()
    assert "新增：" not in text and "迁户：" not in text, text
    assert preview.locator("p").first.inner_text() == (
        "下面的问题改正之前，无法统计这份花名册会新增、迁户或更新多少人。"
    )
    assert preview.locator("#errors tbody tr").all_inner_texts() == ["3\t出生年份\t年份，例如 1968"]
    assert preview.locator("button[name=confirm]").count() == 0
    with live_server.db.session(write=False) as s:
        assert row_counts(s) == before
    if violations := axe_violations(page):
        found["/admin/roster (a bad cell)"] = violations

    # A sheet whose name column has another header: the mapping is what needs attention,
    # so it is open.
    renamed = tmp_path / "renamed.xlsx"
    renamed.write_bytes(
        sheet_bytes(
            [["1001", "张建国", "男", 1962, "13900011001", GROUPS[0], "户主", None]],
            header=["户号", "成员", *HEADER[2:]],
        )
    )
    assert _upload(page, live_server.url, renamed) == 422
    assert preview.locator("details.mapping").evaluate("e => e.open")
    assert page.locator("#map_name").is_visible()
    assert _width(page) <= 390

    # The statements: the month, the 村民小组 and 显示 in rows of their own.
    group_id = office.group_ids[GROUPS[0]]
    page.goto(f"{live_server.url}/admin/statements?month=2026-10&group={group_id}")
    assert _width(page) <= 390 and page.evaluate(OVERFLOWING) == []
    assert page.evaluate(WRAPPED, ".controls label, .controls button") == []
    show = page.locator(".controls form button[type=submit]").bounding_box()
    assert show["x"] + show["width"] <= 390
    for field in ("#month", "#group"):
        assert page.locator(field).bounding_box()["width"] >= 300, field
    if violations := axe_violations(page):
        found["/admin/statements"] = violations
    assert not found, describe(found)
