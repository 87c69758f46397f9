"""The personal-information page, the dashboard's backups and the resident's download link
on a phone: axe-core finds nothing serious, every target is 44 px, the anonymisation works."""

from __future__ import annotations

import pytest

from points import residents, users
from points.models import Resident, Role, Village
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


def test_privacy_pages_on_a_phone(live_server, launch_browser):
    scene = make_scene(live_server, "ops-privacy")
    with live_server.db.session() as s, s.begin():
        users.create_user(
            s, username="ops-privacy-admin", password=PASSWORD, village_id=scene.village_id,
            roles=[Role.ADMIN],
        )  # fmt: skip
        s.get(Village, scene.village_id).retention_days = 0
        residents.set_status(s, s.get(Resident, scene.neighbour_id), status="moved_out", by_id=None)
    browser = launch_browser()
    base = live_server.url
    found = {}
    for username, landing, paths in (
        ("ops-privacy-admin", "/staff", ["/admin/dashboard", "/admin/privacy"]),
        (scene.user("resident"), "/me", ["/me"]),
    ):
        context = phone_context(browser)
        page = context.new_page()
        log_in(page, base, username, landing)
        for path in paths:
            page.goto(base + path)
            page.wait_for_load_state("networkidle")
            if violations := axe_violations(page):
                found[path] = violations
            if small := small_targets(page):
                found[path + " (targets < 44 px)"] = small
        if username == scene.user("resident"):
            with page.expect_download() as download:
                page.click("#my-data a >> nth=0")
            assert download.value.suggested_filename.endswith(".xlsx")
        else:
            page.goto(base + "/admin/privacy")
            assert page.locator("#due").inner_text().count("王建国") == 1
            page.check("#due input[name=confirm]")
            page.click("#due button")
            page.wait_for_load_state("networkidle")
            assert "已匿名化该村民" in page.content()
            assert "王建国" not in page.locator("#due").inner_text()
        context.close()
    assert not found, describe(found)
