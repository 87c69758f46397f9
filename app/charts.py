"""Trend charts for the dashboard and the county table: the domain's figures (points.charts,
store.catalogue.low_stock) turned into what templates/_charts.html draws and tabulates.

Each chart is drawn by app/static/js/charts.js with ECharts (served from /static/vendor,
loaded only on pages with charts) from a JSON script tag; the same figures are printed in
a table beside it, for screen readers, for print and when scripts are off.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import format_datetime, pgettext
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from points import charts
from points.models import Village
from store.catalogue import low_stock


@dataclass
class Chart:
    id: str
    title: str
    kind: str  # "line" or "bar"
    labels: list[str]  # the x axis
    series: list[dict[str, Any]]  # {"name", "data", "stack"?}
    headers: list[str]  # the table's columns
    rows: list[list[Any]] = field(default_factory=list)
    percent: bool = False  # values are shares (0-100)
    text_columns: int = 1  # the first columns are words (a month, a meeting), the rest figures

    @property
    def numeric(self) -> list[bool]:
        """Per column: figures, aligned right (words are aligned left)."""
        return [i >= self.text_columns for i in range(len(self.headers))]

    @property
    def payload(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "labels": self.labels,
            "series": self.series,
            "percent": self.percent,
        }


def _month(m) -> str:
    return m.strftime("%Y-%m")


def attendance_chart(session: Session, village: Village) -> Chart:
    rates = charts.attendance_trend(session, village)
    labels = [format_datetime(r.starts_at, "MM-dd") for r in rates]
    return Chart(
        "attendance",
        _("Attendance rate per meeting"),
        "line",
        labels,
        [{"name": _("Attendance rate"), "data": [round(r.rate * 100, 1) for r in rates]}],
        [_("Date"), _("Meeting"), _("Checked in"), _("Invited"), _("Rate")],
        [
            [label, r.title, r.checked_in, r.invited, f"{r.rate * 100:.1f}%"]
            for label, r in zip(labels, rates, strict=True)
        ],
        percent=True,
        text_columns=2,
    )


def _key_label(key: str, by: str) -> str:
    if key:
        return key
    return _("Shop and expiry") if by == "category" else _("No group")


def flows_chart(by: str, flows: charts.FlowChart) -> Chart:
    """One of the dashboard's two flow charts (``by``: category or group), from the one read
    of the ledger that both share (:func:`points.charts.flows_by_category_and_group`)."""
    labels = [_month(m.month) for m in flows.months]
    series = [
        {
            "name": _key_label(key, by),
            "stack": "issued",
            "data": [m.issued.get(key, 0) for m in flows.months],
        }
        for key in flows.keys
    ]
    series.append({"name": _("Redeemed"), "data": [sum(m.redeemed.values()) for m in flows.months]})
    series.append({"name": _("Expired"), "data": [sum(m.expired.values()) for m in flows.months]})
    rows = []
    for m in flows.months:
        for key in flows.keys:
            figures = [m.issued.get(key, 0), m.redeemed.get(key, 0), m.expired.get(key, 0)]
            if any(figures):
                rows.append([_month(m.month), _key_label(key, by), *figures])
    title = (
        _("Points per month by category")
        if by == "category"
        else _("Points per month by village group")
    )
    first = _("Category") if by == "category" else _("Village group")
    return Chart(
        f"flows-{by}",
        title,
        "bar",
        labels,
        series,
        [_("Month"), first, _("Issued"), _("Redeemed"), _("Expired")],
        rows,
        text_columns=2,
    )


def idle_chart(session: Session, village: Village) -> Chart:
    months = charts.idle_households(session, village)
    return Chart(
        "idle",
        _("Households earning nothing"),
        "bar",
        [_month(m.month) for m in months],
        [{"name": _("Households earning nothing"), "data": [m.idle for m in months]}],
        [_("Month"), _("Households earning nothing"), pgettext("a count", "Households")],
        [[_month(m.month), m.idle, m.households] for m in months],
    )


def stock_chart(session: Session, village: Village) -> Chart:
    items = low_stock(session, village.id)
    return Chart(
        "stock",
        _("Stock alerts"),
        "bar",
        [i.name for i in items],
        [
            {"name": _("In stock"), "data": [i.stock for i in items]},
            {"name": _("Alert level"), "data": [i.low_stock_threshold for i in items]},
        ],
        [_("Item"), _("In stock"), _("Alert level")],
        [[i.name, i.stock, i.low_stock_threshold] for i in items],
    )


def dashboard_charts(session: Session, village: Village) -> list[Chart]:
    flows = charts.flows_by_category_and_group(session, village)  # one read of the ledger
    return [
        attendance_chart(session, village),
        flows_chart("category", flows["category"]),
        flows_chart("group", flows["group"]),
        idle_chart(session, village),
        stock_chart(session, village),
    ]


def county_chart(session: Session, villages: list[Village], month) -> list[Chart]:
    months = charts.county_trend(session, villages, month=month)
    labels = [_month(m.month) for m in months]
    points = Chart(
        "county-points",
        _("Points per month in the county"),
        "bar",
        labels,
        [
            {"name": _("Awarded"), "data": [m.awarded for m in months]},
            {"name": _("Redeemed"), "data": [m.redeemed for m in months]},
        ],
        [_("Month"), _("Awarded"), _("Redeemed")],
        [[label, m.awarded, m.redeemed] for label, m in zip(labels, months, strict=True)],
    )
    share = Chart(
        "county-participation",
        _("Participation per month"),
        "line",
        labels,
        [
            {
                "name": _("Participation"),
                "data": [round(m.participation * 100, 1) for m in months],
            }
        ],
        [_("Month"), _("Check-ins"), _("Participants"), _("Participation")],
        [
            [label, m.checkins, m.participants, f"{m.participation * 100:.1f}%"]
            for label, m in zip(labels, months, strict=True)
        ],
        percent=True,
    )
    return [points, share]
