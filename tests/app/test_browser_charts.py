"""The dashboard's charts are drawn in a real browser under the CSP (ECharts from the app,
figures from the JSON script tag), on a phone, with no console error and axe-core clean;
the statement sheet too."""

import pytest

from points import ledger
from points.models import EntryKind
from tests.app.journeyutil import axe_violations, describe, log_in, make_scene, phone_context

pytestmark = pytest.mark.browser

# The chart's legend (shown, and answering its own action) and the tooltip's text at a month.
LEGEND_AND_TOOLTIP = """(id) => {
  const box = document.querySelector(`[data-chart="${id}"]`);
  const chart = echarts.getInstanceByDom(box);
  const option = chart.getOption();
  const legend = Array.isArray(option.legend) ? option.legend.map(l => l.show) : null;
  const first = option.series[0].name;
  chart.dispatchAction({type: 'legendUnSelect', name: first});
  const after = chart.getOption().legend;
  const unselected = Array.isArray(after) ? after[0].selected[first] : null;
  chart.dispatchAction({type: 'legendSelect', name: first});
  let tip = 0;
  chart.on('showTip', () => { tip += 1; });
  chart.dispatchAction({type: 'showTip', seriesIndex: 0, dataIndex: option.series[0].data.length - 1});
  return {legend, unselected, tip};
}"""


def test_charts_draw_on_a_phone(live_server, launch_browser):
    scene = make_scene(live_server, "charts")
    with live_server.db.session() as s, s.begin():
        ledger.post(s, household_id=scene.household_id, amount=-5, kind=EntryKind.EXPIRY)
    browser = launch_browser()
    context = phone_context(browser)
    page = context.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    log_in(page, live_server.url, scene.user("supervisor"), "/staff")
    page.goto(live_server.url + "/admin/dashboard")
    page.wait_for_selector('[data-chart="flows-category"] canvas')
    drawn = page.eval_on_selector_all("[data-chart] canvas", "s => s.length")
    assert drawn >= 3
    assert page.locator("table.chart-table").count() >= 3  # the figures beside each chart
    # The stacked bars' colours are named by a legend, and a tap shows the figures: ECharts'
    # "simple" build has neither, and drops both options without a word.
    shown = page.evaluate(LEGEND_AND_TOOLTIP, "flows-category")
    assert shown["legend"] == [True], shown
    assert shown["unselected"] is False, shown  # the legend's own action works
    assert shown["tip"] >= 1, shown  # the tooltip was shown
    found = {}
    violations = axe_violations(page)
    if violations:
        found["/admin/dashboard"] = violations
    page.goto(live_server.url + "/admin/statements")
    assert "户积分月结单" in page.locator("body").inner_text()
    violations = axe_violations(page)
    if violations:
        found["/admin/statements"] = violations
    context.close()
    assert not errors, errors
    assert not found, describe(found)
