"""The trend charts on the dashboard and the county table: ECharts served by the app, the
figures in a JSON script tag (no inline script) and in a table beside each chart."""

import json
import re

from points import county, ledger
from points.models import EntryKind, Role
from tests.eventutil import make_rule


def _chart_data(page: str) -> dict:
    found = re.search(r'<script type="application/json" id="chart-data">(.*?)</script>', page, re.S)
    assert found, "no chart data"
    return {c["id"]: c for c in json.loads(found.group(1))}


def test_the_dashboard_draws_trends_with_tables(
    client, login, session, village, make_household, make_resident, make_user, fixed_clock
):
    h = make_household(village, "001", group="第一组")
    r = make_resident(village, h, name="李明")
    version = make_rule(session, village).versions[-1]
    ledger.post(
        session,
        household_id=h.id,
        resident_id=r.id,
        amount=5,
        kind=EntryKind.AWARD,
        rule_version=version,
    )
    session.commit()
    login(make_user(village, roles=(Role.ADMIN,)))
    r = client.get("/admin/dashboard")
    page = r.get_data(as_text=True)
    assert r.status_code == 200
    charts = _chart_data(page)
    assert set(charts) == {"attendance", "flows-category", "flows-group", "idle", "stock"}
    flows = charts["flows-group"]
    assert flows["labels"][-1] == "2026-11" and len(flows["labels"]) == 12
    assert flows["series"][0] == {"name": "第一组", "stack": "issued", "data": [0] * 11 + [5]}
    # the same figure in the table beside it, for screen readers and print
    assert re.search(
        r"<th scope=\"row\">2026-11</th><td>第一组</td><td class=\"num\">5</td>", page
    )
    assert "按村民小组" in page and "未得分的户数" in page
    assert "/static/vendor/echarts.min.js" in page and "/static/js/charts.js" in page
    assert "<script>" not in page  # no inline script: the CSP allows only 'self'
    assert "script-src 'self'" in r.headers["Content-Security-Policy"]
    # pages without charts do not load ECharts
    assert "echarts" not in client.get("/admin/households").get_data(as_text=True)


def test_the_county_table_draws_the_county_s_months(
    client, session, village, make_household, make_resident, fixed_clock
):
    c = county.create_county(session, code="xian", name="某县")
    county.attach_village(session, c, village)
    h = make_household(village, "1")
    r = make_resident(village, h, name="甲")
    ledger.post(session, household_id=h.id, amount=25, kind=EntryKind.AWARD, resident_id=r.id)
    county.create_officer(
        session, county=c, username="xian", password="secret-pass-1", full_name="县农业农村局"
    )
    session.commit()
    client.post("/login", data={"username": "xian", "password": "secret-pass-1"})
    page = client.get("/county").get_data(as_text=True)
    charts = _chart_data(page)
    assert charts["county-points"]["series"][0]["data"][-1] == 25
    assert charts["county-participation"]["series"][0]["data"][-1] == 100.0
    assert "/static/vendor/echarts.min.js" in page


def test_echarts_is_served_from_the_app_with_its_licence(client):
    script = client.get("/static/vendor/echarts.min.js")
    assert script.status_code == 200
    script.close()
    licence = client.get("/static/vendor/echarts.LICENSE.txt")
    assert licence.status_code == 200 and b"Apache License" in licence.data
    licence.close()
