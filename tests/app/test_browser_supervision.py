"""The supervisory committee's new lists on a phone: role changes, stock movements, and an
objection queue that names the objector to them only (issue 14)."""

import pytest

from points import awards, users
from points.models import Role, User
from store import stock
from tests.app.journeyutil import (
    PASSWORD,
    axe_violations,
    describe,
    log_in,
    make_scene,
    phone_context,
    small_targets,
)

pytestmark = pytest.mark.browser


def test_the_supervisor_reads_role_changes_stocktakes_and_objections(live_server, launch_browser):
    scene = make_scene(live_server, "supervision")
    with live_server.db.session() as s, s.begin():
        admin = users.create_user(
            s,
            username="supervision-admin",
            password=PASSWORD,
            village_id=scene.village_id,
            roles=[Role.ADMIN],
        )
        users.create_user(
            s,
            username="supervision-helper",
            password=PASSWORD,
            village_id=scene.village_id,
            roles=[Role.CLERK],
            by_id=admin.id,
        )
        stock.stocktake(
            s, village_id=scene.village_id, counts={scene.soap_id: 7}, note="月底盘点", by_id=None
        )
        objector = s.query(User).filter_by(username=scene.user("resident")).one()
        awards.object_to(
            s,
            awards.get_award(s, scene.village_id, scene.posted_award_id),
            by=objector,
            reason="那晚他不在值守点",
        )
    browser = launch_browser()
    found = {}
    for username, paths in (
        (scene.user("supervisor"), ["/admin/role-changes", "/shop/movements?kind=count"]),
        ("supervision-admin", ["/awards/objections"]),
    ):
        context = phone_context(browser)
        page = context.new_page()
        log_in(page, live_server.url, username, "/staff")
        for path in paths:
            page.goto(live_server.url + path)
            text = page.locator("main").inner_text()
            if path == "/admin/role-changes":
                assert "supervision-helper" in text and "supervision-admin" in text
            elif path.startswith("/shop/movements"):
                assert "月底盘点" in text and "-2" in text
            else:  # the committee sees the objection, not who made it
                assert "那晚他不在值守点" in text and "李秀英" not in text
            violations = axe_violations(page)
            if violations:
                found[path] = violations
            small = small_targets(page)
            if small:
                found[path + " (targets < 44 px)"] = small
        context.close()
    assert not found, describe(found)
