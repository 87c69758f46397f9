"""The village office's workbooks (.xlsx) for a period: the ledger, awards and objections,
attendance per event, deliberation topics and the month's 户积分公示. (The shop's orders,
stock movements and donations are in :mod:`store.exports`.)

Each export is a :class:`Sheet` — title, headers, rows — that :func:`points.xlsx.workbook`
writes under a title row (village, period, printed at), every text cell as text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from points import postings, xlsx
from points.clock import now
from points.deliberation.models import Topic
from points.errors import NotFound, ValidationFailed
from points.event_models import Attendance, Event
from points.models import Award, Household, LedgerEntry, Resident, Village

MAX_DAYS = 3700  # about ten years


@dataclass
class Period:
    first: date
    last: date  # inclusive
    start: datetime  # UTC
    end: datetime  # UTC, exclusive

    @property
    def label(self) -> str:
        return f"{self.first.isoformat()} 至 {self.last.isoformat()}"


@dataclass
class Sheet:
    name: str  # the sheet's tab and the file's name
    title: str
    headers: list[str]
    rows: list[list]
    period: str = ""


def _zone(village: Village) -> ZoneInfo:
    return ZoneInfo(village.timezone or "Asia/Shanghai")


def period(village: Village, first: str | None, last: str | None) -> Period:
    """``from`` and ``to`` (YYYY-MM-DD, both inclusive, the village's days); by default the
    village's current month so far."""
    today = now().astimezone(_zone(village)).date()
    try:
        a = date.fromisoformat(first) if first else today.replace(day=1)
        b = date.fromisoformat(last) if last else today
    except ValueError:
        raise ValidationFailed({"from": "a date such as 2026-11-01"}) from None
    if b < a or (b - a).days > MAX_DAYS:
        raise ValidationFailed({"to": "on or after from, within ten years"})
    zone = _zone(village)
    start = datetime.combine(a, time.min, zone).astimezone(UTC)
    end = datetime.combine(b + timedelta(days=1), time.min, zone).astimezone(UTC)
    return Period(a, b, start, end)


def local(village: Village, value: datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone(_zone(village)).strftime("%Y-%m-%d %H:%M")


def to_bytes(village: Village, sheet: Sheet) -> bytes:
    return xlsx.workbook(
        sheet.name,
        f"{village.name} {sheet.title}",
        sheet.headers,
        sheet.rows,
        period=sheet.period,
        printed_at=now().astimezone(_zone(village)),
    )


KIND_WORDS = {
    "award": "加分",
    "deduction": "扣分",
    "redemption": "兑换",
    "refund": "退还",
    "expiry": "清零",
    "correction": "更正",
    "pending": "待审核",
    "published": "公示中",
    "held": "有异议",
    "rejected": "已驳回",
    "confirmed": "已生效",
    "open": "待处理",
    "upheld": "异议成立",
    "dismissed": "异议不成立",
    "card": "扫积分卡",
    "event_qr": "扫活动码",
    "manual": "手动签到",
    "offline": "离线扫码",
}


def _word(value) -> str:
    text = getattr(value, "value", value)
    return KIND_WORDS.get(text, text or "")


def ledger_sheet(session: Session, village: Village, p: Period) -> Sheet:
    e = LedgerEntry
    rows = session.execute(
        select(e, Household.number, Resident.name)
        .join(Household, Household.id == e.household_id)
        .outerjoin(Resident, Resident.id == e.resident_id)
        .where(Household.village_id == village.id, e.created_at >= p.start, e.created_at < p.end)
        .order_by(e.created_at, e.id)
    ).all()
    return Sheet(
        "ledger",
        "积分台账",
        ["时间", "户号", "村民", "类别", "细则", "积分", "余额", "说明", "流水号"],
        [
            [
                local(village, entry.created_at),
                number,
                name or "",
                _word(entry.kind),
                f"{entry.rule_version.title}" if entry.rule_version else "",
                entry.amount,
                entry.balance_after,
                entry.note,
                f"{number}-{entry.seq}",
            ]
            for entry, number, name in rows
        ],
        p.label,
    )


def awards_sheet(session: Session, village: Village, p: Period) -> Sheet:
    found = session.scalars(
        select(Award)
        .where(
            Award.village_id == village.id, Award.created_at >= p.start, Award.created_at < p.end
        )
        .options(selectinload(Award.objections))
        .order_by(Award.created_at, Award.id)
    ).unique()
    numbers = dict(
        session.execute(
            select(Household.id, Household.number).where(Household.village_id == village.id)
        ).all()
    )
    rows = []
    for a in found:
        objections = "；".join(
            f"{o.resident.name}：{o.reason}（{_word(o.status)}）" for o in a.objections
        )
        rows.append(
            [
                local(village, a.created_at),
                numbers.get(a.household_id, ""),
                a.resident.name,
                a.rule_version.title,
                a.quantity,
                a.amount,
                _word(a.status),
                a.note,
                a.reject_reason,
                objections,
            ]
        )
    return Sheet(
        "awards",
        "加分扣分与异议",
        ["时间", "户号", "村民", "细则", "数量", "积分", "状态", "说明", "驳回原因", "异议"],
        rows,
        p.label,
    )


def attendance_sheet(session: Session, village: Village, p: Period) -> Sheet:
    found = session.execute(
        select(Event, Attendance, Resident.name, Household.number)
        .join(Attendance, Attendance.event_id == Event.id)
        .join(Resident, Resident.id == Attendance.resident_id)
        .join(Household, Household.id == Attendance.household_id)
        .where(Event.village_id == village.id, Event.starts_at >= p.start, Event.starts_at < p.end)
        .order_by(Event.starts_at, Event.id, Attendance.checked_in_at, Attendance.id)
    ).all()
    return Sheet(
        "attendance",
        "活动签到",
        ["活动", "开始时间", "村民", "户号", "签到时间", "方式", "状态"],
        [
            [
                event.title,
                local(village, event.starts_at),
                name,
                number,
                local(village, a.checked_in_at),
                _word(a.method),
                "已撤销" if a.undone_at is not None else "有效",
            ]
            for event, a, name, number in found
        ],
        p.label,
    )


TOPIC_STATUS = {
    "collected": "收集",
    "accepted": "确定",
    "declined": "不予议事",
    "researched": "已调研",
    "deliberated": "已商议",
    "published": "公开",
    "implementing": "落实中",
    "done": "已落实",
    "merged": "已合并",
}


def topics_sheet(session: Session, village: Village, p: Period) -> Sheet:
    found = session.scalars(
        select(Topic)
        .where(
            Topic.village_id == village.id, Topic.created_at >= p.start, Topic.created_at < p.end
        )
        .order_by(Topic.created_at, Topic.id)
    )
    return Sheet(
        "topics",
        "议题",
        ["编号", "提出时间", "议题", "类别", "状态", "结果", "负责人", "期限", "不予议事理由"],
        [
            [
                t.id,
                local(village, t.created_at),
                t.title,
                t.category,
                TOPIC_STATUS.get(t.status.value, t.status.value),
                t.result,
                t.owner,
                t.deadline.isoformat() if t.deadline else "",
                t.decline_reason,
            ]
            for t in found
        ],
        p.label,
    )


def posting_sheet(session: Session, village: Village, month_text: str | None) -> Sheet:
    """The month's 户积分公示 as it was posted (frozen), with its verification code."""
    month = postings.parse_month(month_text)
    wanted = month.strftime("%Y-%m")
    posting = next(
        (x for x in postings.postings_of(session, village.id) if x.month == wanted), None
    )
    if posting is None:
        raise NotFound("posting")
    return Sheet(
        "posting",
        f"{wanted} 户积分公示",
        ["户号", "户主", "本月获得", "本月使用", "余额"],
        [[r["number"], r["name"], r["earned"], r["spent"], r["balance"]] for r in posting.rows],
        f"{wanted} · 校验码 {postings.format_code(posting.code)}",
    )


BUILDERS = {
    "ledger": ledger_sheet,
    "awards": awards_sheet,
    "attendance": attendance_sheet,
    "topics": topics_sheet,
}
