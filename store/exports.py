"""The shop's workbooks for a period: orders, stock movements with their funding source,
and donations. Same shape as :mod:`points.exports` (a :class:`points.exports.Sheet`)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from points.exports import Period, Sheet, local
from points.models import Village
from store.models import Donation, Order, StockMovement

MOVEMENT_WORDS = {
    "purchase": "采购入库",
    "donation": "捐赠入库",
    "count": "盘点调整",
    "damage": "损耗",
    "redemption": "兑换出库",
    "void": "作废退回",
}
FUNDING_WORDS = {"budget": "财政", "donation": "捐赠", "collective": "村集体", "other": "其他"}


def orders_sheet(session: Session, village: Village, p: Period) -> Sheet:
    found = session.scalars(
        select(Order)
        .where(
            Order.village_id == village.id, Order.created_at >= p.start, Order.created_at < p.end
        )
        .options(selectinload(Order.lines))
        .order_by(Order.created_at, Order.id)
    ).unique()
    return Sheet(
        "orders",
        "兑换单",
        ["单号", "时间", "户号", "持卡人", "商品", "积分", "状态", "作废原因"],
        [
            [
                o.number,
                local(village, o.created_at),
                o.household.number,
                o.resident.name if o.resident else "",
                "；".join(f"{line.item_name}×{line.quantity}" for line in o.lines),
                o.total,
                "已作废" if o.status.value == "voided" else "已完成",
                o.void_reason,
            ]
            for o in found
        ],
        p.label,
    )


def stock_sheet(session: Session, village: Village, p: Period) -> Sheet:
    found = session.scalars(
        select(StockMovement)
        .where(
            StockMovement.village_id == village.id,
            StockMovement.created_at >= p.start,
            StockMovement.created_at < p.end,
        )
        .order_by(StockMovement.created_at, StockMovement.id)
    )
    return Sheet(
        "stock",
        "库存变动",
        ["时间", "商品", "变动", "类别", "资金来源", "库存", "说明"],
        [
            [
                local(village, m.created_at),
                m.item.name,
                m.delta,
                MOVEMENT_WORDS.get(m.kind.value, m.kind.value),
                FUNDING_WORDS.get(m.funding.value, m.funding.value) if m.funding else "",
                m.stock_after,
                m.note,
            ]
            for m in found
        ],
        p.label,
    )


def donations_sheet(session: Session, village: Village, p: Period) -> Sheet:
    found = session.scalars(
        select(Donation)
        .where(
            Donation.village_id == village.id,
            Donation.created_at >= p.start,
            Donation.created_at < p.end,
        )
        .options(selectinload(Donation.movements))
        .order_by(Donation.created_at, Donation.id)
    ).unique()
    return Sheet(
        "donations",
        "捐赠登记",
        ["时间", "捐赠人", "物品", "估值（元）", "同意公开致谢", "说明"],
        [
            [
                local(village, d.created_at),
                d.donor_name,
                "；".join(f"{m.item.name}×{m.delta}" for m in d.movements),
                d.estimated_value,
                "是" if d.public else "否",
                d.note,
            ]
            for d in found
        ],
        p.label,
    )


BUILDERS = {"orders": orders_sheet, "stock": stock_sheet, "donations": donations_sheet}
