"""The demo village 示范村: deterministic households, residents, staff logins and rule book."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from points import county, residents, rules, users, villages
from points.clock import now, travel
from points.demo_history import history_start, seed_history
from points.models import Role, Village

DEMO_CODE = "demo"
DEMO_PASSWORD = "cunyue-demo"
DEMO_LOGINS = (
    ("admin", [Role.ADMIN], "村两委 管理员"),
    ("host", [Role.HOST], "主持人 / 网格员"),
    ("clerk", [Role.CLERK], "超市志愿者"),
    ("supervisor", [Role.SUPERVISOR], "村务监督委员会"),
)
DEMO_RESIDENT_LOGIN = "resident"
DEMO_COUNTY_CODE = "demo-county"
DEMO_COUNTY_LOGIN = "county"  # a county officer: reads the county table only

SURNAMES = "王李张刘陈杨黄赵周吴徐孙马胡朱郭何罗高林"
GIVEN = (
    "建国 秀英 桂兰 志强 海燕 玉梅 国平 春花 德明 小红 文华 丽娟 永红 伟 芳 军 静 磊 "
    "敏 勇 艳 杰 娟 涛 明 超 霞 平 刚 桂芳 建华 淑珍 立新 爱民 红梅 晓东 子涵 雨轩 浩然 欣怡"
).split()
DONATION_RULE = "WM03"  # the one rule the shop may award to a donor
GROUPS = ("第一村民小组", "第二村民小组", "第三村民小组", "第四村民小组")

# (code, title, category, points, unit, monthly cap, evidence, review, claimable)
RULE_BOOK = (
    ("YS01", "参加村民议事会", "议事协商", 5, "per_time", 20, False, False, False),
    ("YS02", "参加村民代表会议", "议事协商", 5, "per_time", None, False, False, False),
    ("YS03", "提出议题并被采纳", "议事协商", 10, "per_time", 30, False, True, True),
    ("YS04", "参与民主测评", "议事协商", 2, "per_time", 10, False, False, False),
    ("ZY01", "参加志愿服务（按小时）", "志愿服务", 3, "per_hour", 60, False, False, False),
    ("ZY02", "参加应急抢险、防汛值守", "志愿服务", 10, "per_time", None, True, True, False),
    ("ZY03", "义务巡逻", "志愿服务", 2, "per_hour", 30, False, False, False),
    ("HJ01", "门前三包达标", "环境卫生", 5, "per_time", 10, False, False, False),
    ("HJ02", "参加村庄环境整治", "环境卫生", 3, "per_hour", 30, False, False, False),
    ("HJ03", "庭院美化评为美丽庭院", "环境卫生", 20, "per_time", None, True, True, True),
    ("LJ01", "垃圾分类投放正确", "垃圾分类", 1, "per_time", 20, False, False, False),
    ("LJ02", "垃圾分类示范户", "垃圾分类", 10, "per_time", 10, False, True, False),
    ("XL01", "照顾孤寡老人", "孝老爱亲", 5, "per_time", 20, True, True, True),
    ("XL02", "评为好媳妇、好婆婆", "孝老爱亲", 20, "per_time", None, False, True, False),
    ("XL03", "邻里互助", "孝老爱亲", 3, "per_time", 15, False, True, True),
    ("YF01", "红白喜事简办", "移风易俗", 15, "per_time", None, True, True, True),
    ("YF02", "拒绝高额彩礼", "移风易俗", 20, "per_time", None, True, True, True),
    ("YF03", "参加文明新风宣讲", "移风易俗", 2, "per_time", 10, False, False, False),
    ("PA01", "调解邻里纠纷", "平安建设", 5, "per_time", 20, False, True, True),
    ("PA02", "举报安全隐患属实", "平安建设", 5, "per_time", 20, True, True, True),
    ("WM01", "见义勇为", "文明新风", 50, "per_time", None, True, True, False),
    ("WM02", "捐资助学", "文明新风", 10, "per_time", None, True, True, True),
    ("WM03", "向爱心超市捐赠物资", "文明新风", 5, "per_time", 20, False, True, False),
    ("WG01", "乱堆乱放、私搭乱建", "违反村规民约", -10, "per_time", None, True, True, False),
    ("WG02", "焚烧秸秆、垃圾", "违反村规民约", -20, "per_time", None, True, True, False),
    ("WG03", "无故缺席村民代表会议", "违反村规民约", -3, "per_time", None, False, True, False),
    ("WG04", "大操大办、铺张浪费", "违反村规民约", -15, "per_time", None, True, True, False),
)


def is_empty(session: Session) -> bool:
    return not session.scalar(select(func.count(Village.id)))


def _seed_people_and_rules(session: Session, rng: random.Random, adopted_on: date) -> Village:
    village = villages.create_village(
        session, code=DEMO_CODE, name="示范村", county_name="某县", town_name="某镇"
    )
    first_resident = None
    n_residents = 0
    for i in range(80):
        group = GROUPS[i % len(GROUPS)]
        number = f"{(i % len(GROUPS)) + 1}{i // len(GROUPS) + 1:03d}"
        household = residents.create_household(
            session,
            village_id=village.id,
            number=number,
            group=group,
            address=f"示范村{group[1]}组{i // len(GROUPS) + 1}号",
        )
        surname = SURNAMES[rng.randrange(len(SURNAMES))]
        size = 2 if i % 3 == 0 else (3 if i % 3 == 1 else 3 + (i % 2))
        if n_residents + size > 220 or i == 79:
            size = max(1, min(size, 220 - n_residents - (79 - i)))
        for j in range(size):
            given = GIVEN[rng.randrange(len(GIVEN))]
            name = (surname if j != 1 else SURNAMES[rng.randrange(len(SURNAMES))]) + given
            phone = f"139{i:04d}{j:04d}" if j < 2 else None
            resident = residents.create_resident(
                session,
                village_id=village.id,
                household_number=household.number,
                name=name,
                phone=phone,
                is_head=(j == 0),
            )
            n_residents += 1
            first_resident = first_resident or resident
    # The names above are random; make sure the search example from the docs exists.
    residents.create_resident(
        session, village_id=village.id, household_number="1001", name="张建国", phone="13900009999"
    )
    for username, roles, full_name in DEMO_LOGINS:
        users.create_user(
            session,
            username=username,
            password=DEMO_PASSWORD,
            village_id=village.id,
            roles=roles,
            full_name=full_name,
        )
    users.create_user(
        session,
        username=DEMO_RESIDENT_LOGIN,
        password=DEMO_PASSWORD,
        village_id=village.id,
        roles=[Role.RESIDENT],
        resident_id=first_resident.id,
    )
    for code, title, category, points, unit, cap, evidence, review, claimable in RULE_BOOK:
        terms = rules.clean_terms(
            {
                "title": title,
                "category": category,
                "points": points,
                "unit": unit,
                "monthly_cap": cap,
                "evidence_required": evidence,
                "needs_review": review,
                "claimable": claimable,
                "for_donations": code == DONATION_RULE,
                "adopted_ref": "村民代表会议 2026-03-05 决议",
            }
        )
        rules.create_rule(
            session,
            village_id=village.id,
            code=code,
            terms=terms,
            effective_from=adopted_on,
            by_id=None,
        )
    return village


def seed_points(session: Session, *, adopted_on: date | None = None) -> Village:
    """The demo village's points side. The whole demo (with the shop and the county) is
    :func:`app.demo.seed_demo`; the caller checks the database is empty and commits.

    The village, its people and its rule book date from twelve months back (the rules are
    adopted then unless ``adopted_on`` says otherwise), and a year of history follows
    (points.demo_history) before this month's awards, meeting and topics."""
    rng = random.Random(20260305)
    start = history_start(now().date())
    with travel(datetime.combine(start, time(2, 0), UTC)):
        village = _seed_people_and_rules(session, rng, adopted_on or start)
    seed_history(session, village, random.Random(2025), start)
    seed_demo_awards(session, village, rng)
    _demo_meeting(session, village)
    from points.deliberation.demo import seed_topics  # noqa: PLC0415

    seed_topics(session, village, DEMO_PASSWORD)
    return village


def seed_demo_county(session: Session, village: Village) -> None:
    """某县 with the demo village in it, and its officer's login ``county``."""
    demo_county = county.create_county(session, code=DEMO_COUNTY_CODE, name="某县")
    county.attach_village(session, demo_county, village)
    county.create_officer(
        session,
        county=demo_county,
        username=DEMO_COUNTY_LOGIN,
        password=DEMO_PASSWORD,
        full_name="县农业农村局",
    )


def seed_demo_awards(session: Session, village: Village, rng: random.Random) -> None:
    """Some history: confirmed awards, a pending report, a posted award and a resident's claim."""
    from points import awards  # noqa: PLC0415  (awards imports much of the domain)
    from points.models import Resident, Rule, User  # noqa: PLC0415

    def user(name: str) -> User:
        return session.scalar(select(User).where(User.username == name))

    def rule(code: str) -> Rule:
        return rules.get_rule_by_code(session, village.id, code)

    host, supervisor, resident_login = user("host"), user("supervisor"), user(DEMO_RESIDENT_LOGIN)
    people = list(
        session.scalars(
            select(Resident).where(Resident.village_id == village.id).order_by(Resident.id)
        )
    )
    for person in people[:60]:
        for code, quantity in (("YS01", 1), ("ZY01", rng.randint(1, 3)), ("LJ01", 1)):
            if rng.random() < 0.6:
                awards.create_award(
                    session,
                    village=village,
                    rule=rule(code),
                    resident=person,
                    by=host,
                    quantity=quantity,
                )
    awards.create_award(
        session,
        village=village,
        rule=rule("XL03"),
        resident=people[5],
        by=host,
        note="帮邻居抢收玉米",
    )
    posted = awards.create_award(
        session,
        village=village,
        rule=rule("LJ02"),
        resident=people[8],
        by=host,
        note="第二季度垃圾分类示范户",
    )
    awards.approve(session, posted, by=supervisor)
    awards.create_award(
        session,
        village=village,
        rule=rule("PA01"),
        resident=resident_login.resident,
        by=resident_login,
        note="调解了两户宅基地纠纷",
        is_claim=True,
    )


def _demo_meeting(session: Session, village: Village) -> None:
    """A meeting tomorrow morning, to try the check-in pages with (issue 4)."""
    from datetime import datetime, time, timedelta  # noqa: PLC0415

    from points import events  # noqa: PLC0415

    rule = rules.get_rule_by_code(session, village.id, "YS01")
    day = villages.village_today(village) + timedelta(days=1)
    start = datetime.combine(day, time(9, 0), villages.village_zone(village))
    events.create_event(
        session,
        village_id=village.id,
        title="村民议事会（示范）",
        kind="meeting",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        rule_id=rule.id,
        location="村委会议室",
        by_id=None,
    )
