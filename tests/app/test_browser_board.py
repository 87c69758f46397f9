"""In a browser: the posting sheet prints on A4 portrait with its 落款, and the public board
on a phone passes axe-core and loads within 3 s on a slow village line."""

import re

import pytest

from points import ledger, postings, residents, villages
from points.models import EntryKind
from tests.app.journeyutil import (
    axe_violations,
    describe,
    log_in,
    make_scene,
    phone_context,
    screenshot,
    small_targets,
)
from tests.app.slowline import BUDGET_S, cold_load

pytestmark = pytest.mark.browser

SURNAMES = "王李张刘陈杨黄赵周吴徐孙马胡朱郭何罗高林梁宋郑谢韩唐冯于"
A4_PRINTABLE_MM = (210 - 30, 297 - 30)  # sheet.css: 15 mm margins
PX_PER_MM = 96 / 25.4


@pytest.fixture
def board_scene(request, live_server, fixed_clock):
    scene = make_scene(live_server, "board-" + request.node.name[9:20].replace("_", "-"))
    with live_server.db.session() as s, s.begin():
        for n in range(3, 31):  # 30 households in all, a small village's sheet
            r = residents.create_resident(
                s, village_id=scene.village_id, household_number=str(n),
                name=SURNAMES[n % len(SURNAMES)] + "建国", is_head=True,
            )  # fmt: skip
            ledger.post(s, household_id=r.household_id, amount=n * 3, kind=EntryKind.AWARD)
        village = villages.get_village_by_code(s, scene.code)
        posting = postings.create_posting(s, village=village, month_text="2026-11", by_id=None)
        scene.posting_id = posting.id
        scene.posting_code = postings.format_code(posting.code)
    return scene


def test_the_posting_sheet_fits_a4_portrait_with_its_signatures(
    live_server, launch_browser, board_scene
):
    browser = launch_browser()
    context = browser.new_context(viewport={"width": 1000, "height": 900})
    page = context.new_page()
    log_in(page, live_server.url, board_scene.user("supervisor"), "/staff")
    page.goto(f"{live_server.url}/postings/{board_scene.posting_id}")
    assert page.locator(".code").inner_text() == board_scene.posting_code
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    pages = re.findall(rb"/Type\s*/Page\b(?!s)", pdf)
    boxes = set(re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf))
    assert len(pages) == 1, len(pages)
    assert boxes and all(
        abs(float(w) - 595.92) < 1 and abs(float(h) - 842.88) < 1 for w, h in boxes
    )
    # Laid out as printed: within the printable width, the 落款 on the page.
    width, height = (round(mm * PX_PER_MM) for mm in A4_PRINTABLE_MM)
    page.set_viewport_size({"width": width, "height": height})
    page.emulate_media(media="print")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    sign = page.locator(".sign").bounding_box()
    assert sign["y"] + sign["height"] <= height, (sign, height)
    text = page.locator(".sign").inner_text()
    assert "村民委员会" in text and "村务监督委员会" in text and "2026年11月02日" in text
    assert page.locator(".no-print").is_hidden()
    screenshot(page, "posting-sheet-a4.png")
    context.close()


def test_the_phone_board_passes_axe_and_loads_within_3_s_on_a_slow_line(
    live_server, launch_browser, board_scene
):
    browser = launch_browser()
    context = phone_context(browser)  # 390 x 844
    page = context.new_page()
    url = f"{live_server.url}/v/{board_scene.code}"
    page.goto(url)
    found = {}
    violations = axe_violations(page)
    if violations:
        found["board"] = violations
    small = small_targets(page)
    if small:
        found["board (targets < 44 px)"] = small
    assert not found, describe(found)
    assert page.get_by_role("link", name="提出异议", exact=True).count() == 1
    assert "王*国" in page.locator("main").inner_text()  # the posted award, masked
    screenshot(page, "public-board-phone.png")

    board = cold_load(page, live_server.url, f"/v/{board_scene.code}", "#h-roll")
    print("public board, cold cache, on the slow line:", board)
    assert (board.round_trips, board.chained) == (2, []), board
    assert board.bytes <= 30 * 1024 and board.seconds <= BUDGET_S, board

    # The verify form on the board: a code typed from the paper.
    page.fill("#code", board_scene.posting_code.lower())
    page.get_by_role("button", name="核验", exact=True).click()
    page.wait_for_url("**/verify?code=*")
    assert "一致" in page.locator(".flash").inner_text()
    assert not axe_violations(page)
    context.close()
