"""The demo village's topics: one at every step, small, urgent and hard, so a newcomer sees a
topic's whole life (with the visit log, a meeting made from topics, objections and ratings).

Made through the same services as real use. The steps after publication need the window to
have passed: the village's window is 0 days while seeding and 5 days after.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from points import rules, users, villages
from points.deliberation import (
    implementation,
    ratings,
    research,
    results,
    screening,
    settings,
    topics,
    visits,
)
from points.deliberation.models import Topic
from points.models import Resident, Role, User, Village

PUBLIC = "公共事务、公共环境、公益事业"
HARDSHIP = "村民反映强烈的困难和纠纷"
POLICY = "政策在村级的落实"


def _user(session: Session, username: str) -> User:
    return session.scalar(select(User).where(User.username == username))


def _backdate(topic: Topic, days: int) -> None:
    """Demo only: the topic was raised ``days`` ago (its first step too), so ages show."""
    at = topic.created_at - timedelta(days=days)
    topic.created_at = at
    topic.history[0].at = at


def seed_topics(session: Session, village: Village, password: str) -> None:
    admin, host, sup = _user(session, "admin"), _user(session, "host"), _user(session, "supervisor")
    me = _user(session, "resident")
    # A second committee member, so a small matter can be decided by two.
    member = users.create_user(
        session,
        username="weiyuan",
        password=password,
        village_id=village.id,
        roles=[Role.ADMIN],
        full_name="村委委员 李文华",
    )
    people = list(
        session.scalars(
            select(Resident).where(Resident.village_id == village.id).order_by(Resident.id)
        )
    )
    with_phone = [p for p in people if p.phone]
    without_phone = [p for p in people if not p.phone]
    settings.update_settings(
        session,
        village_id=village.id,
        by=admin,
        publication_days=0,
        proposal_rule_id=rules.get_rule_by_code(session, village.id, "YS03").id,
        rating_rule_id=rules.get_rule_by_code(session, village.id, "YS04").id,
    )

    def raise_(title, desc, *, by=None, who=None, size="normal", urgent=False, source=None):
        return topics.submit(
            session,
            village=village,
            by=by or me,
            title=title,
            description=desc,
            size=size,
            urgent=urgent,
            source=source,
            on_behalf_of=who,
        )

    def accept(topic, category=PUBLIC, form=None):
        screening.decide(
            session, topic, village=village, by=admin, accept=True, category=category, form=form
        )

    def small_decide(topic, result):
        accept(topic)
        results.decide_result(
            session, topic, by=admin, result=result, note="两委成员现场商定", cosigner_id=member.id
        )

    # 收集: an urgent one from the resident's phone, one from the suggestion box.
    bridge = raise_(
        "村东小桥护栏损坏", "村东小桥北侧护栏断了两节，孩子上学经过很危险。", urgent=True
    )
    _backdate(bridge, 2)
    square = raise_(
        "文化广场晚上太暗",
        "广场东侧没有路灯，晚上跳广场舞看不清。",
        by=host,
        who=with_phone[3],
        source="box",
    )
    _backdate(square, 6)
    # 民情日志: a visit, its matter made a topic in one tap, and one still in the log.
    visit = visits.log_visit(
        session,
        village=village,
        by=host,
        household_id=without_phone[0].household_id,
        resident_id=without_phone[0].id,
        raised="院墙被雨水泡塌一角，老人独居，担心再塌。",
    )
    wall = visits.raise_topic(session, visit, village=village, by=host)
    wall.urgent = True
    visits.log_visit(
        session,
        village=village,
        by=host,
        household_id=with_phone[10].household_id,
        raised="希望村里组织一次免费体检。",
    )
    # 三不议: declined with the reason the proposer sees.
    declined = raise_(
        "只给我们组修路",
        "要求村里只修第三组的路，其他组不修。",
        by=host,
        who=with_phone[5],
        source="wechat",
    )
    screening.decide(
        session,
        declined,
        village=village,
        by=admin,
        accept=False,
        reason="带有歧视性或不公平的事项不议",
    )
    # 难事众商: accepted, research under way.
    drain = raise_(
        "村北排水渠改造",
        "每逢大雨村北十几户进水，原有水渠太窄。",
        size="hard",
        by=host,
        who=with_phone[1],
        source="talk_room",
    )
    _backdate(drain, 12)
    accept(drain, HARDSHIP, form="hearing")
    research.save_research(
        session,
        drain,
        by=host,
        research_notes="实地查看积水点三处，水渠宽度不足 40 厘米。",
        parties="沿渠农户 12 户、镇水利站、施工队",
    )
    # Researched, on the agenda of tomorrow afternoon's meeting.
    forest = raise_(
        "集体林地流转方案",
        "村集体 200 亩林地承包到期，需商定流转办法。",
        size="hard",
        by=host,
        who=with_phone[2],
        source="assigned",
    )
    _backdate(forest, 20)
    accept(forest, POLICY, form="forum")
    research.save_research(
        session,
        forest,
        by=host,
        research_notes="走访承包户 8 户，咨询镇林业站。",
        parties="原承包户、村民代表、镇林业站",
        proposal="公开竞价流转，期限 10 年，收益 70% 分红到户。",
        notice="请各位村民代表于明天下午 2 点到村委会议室参加议事，带上意见。",
    )
    research.complete_research(session, forest, by=host)
    day = villages.village_today(village) + timedelta(days=1)
    start = datetime.combine(day, time(14, 0), villages.village_zone(village))
    results.create_meeting(
        session,
        village=village,
        by=host,
        topic_ids=[forest.id],
        title="村民代表议事会：集体林地流转",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        rule_id=rules.get_rule_by_code(session, village.id, "YS02").id,
        location="村委会议室",
    )
    # 小事简商: deliberated by two committee members, not yet posted.
    lamp = raise_("村口路灯更换", "村口两盏路灯不亮。", size="small")
    _backdate(lamp, 4)
    small_decide(lamp, "村委会本周内更换两盏 LED 路灯。")
    # Posted for the village's 5 days (below, once the window is back to 5 days).
    rubbish = raise_(
        "垃圾清运改为每天一次",
        "夏天垃圾两天一清，气味大。",
        by=host,
        who=with_phone[6],
        source="meeting",
        size="small",
    )
    _backdate(rubbish, 15)
    small_decide(rubbish, "6 月至 9 月每天清运一次，其余月份两天一次。")
    # 跟踪落实: one overdue, one urgent on time.
    bump = raise_("小学门口加装减速带", "上下学时车速快，不安全。", size="normal")
    _backdate(bump, 40)
    accept(bump)
    research.save_research(session, bump, by=host, proposal="在校门两侧各装一条减速带。")
    research.complete_research(session, bump, by=host)
    results.decide_result(session, bump, by=admin, result="校门两侧各装一条减速带，村委出资。")
    results.publish(session, bump, by=admin)
    implementation.start(
        session,
        bump,
        by=host,
        owner="村委会 王主任",
        deadline=villages.village_today(village) - timedelta(days=3),
    )
    implementation.add_progress(session, bump, by=host, note="已联系施工队，材料未到。")
    roof = raise_(
        "五保户屋顶漏雨维修",
        "张大爷家屋顶漏雨，急需维修。",
        size="small",
        urgent=True,
        by=host,
        who=without_phone[1],
        source="visit",
    )
    _backdate(roof, 3)
    small_decide(roof, "村里出资，组织志愿者三天内修好。")
    results.publish(session, roof, by=admin)
    implementation.start(
        session,
        roof,
        by=host,
        owner="志愿服务队 刘队长",
        deadline=villages.village_today(village) + timedelta(days=3),
    )
    # 民主测评: done, rated by residents (one recorded by staff for a neighbour without a phone).
    road = raise_("村委会门前道路硬化", "门前土路下雨泥泞。", size="normal")
    _backdate(road, 60)
    accept(road)
    research.save_research(session, road, by=host, proposal="硬化 120 米，宽 4 米。")
    research.complete_research(session, road, by=host)
    results.decide_result(session, road, by=admin, result="硬化 120 米，一事一议筹资筹劳。")
    results.publish(session, road, by=admin)
    implementation.start(
        session, road, by=host, owner="村委会", deadline=villages.village_today(village)
    )
    implementation.add_progress(session, road, by=host, note="路基平整完成。")
    implementation.add_progress(session, road, by=host, note="混凝土浇筑完成，养护中。")
    implementation.sign_off(session, road, by=sup, note="监委会验收合格。")
    for person, score, comment in (
        (me.resident, "satisfied", "路好走多了"),
        (with_phone[4], "satisfied", ""),
        (with_phone[7], "basically_satisfied", "路边排水沟还要清理"),
    ):
        rater = _user_for(session, village, person, password)
        ratings.rate(session, road, village=village, by=rater, score=score, comment=comment)
    ratings.rate(
        session,
        road,
        village=village,
        by=host,
        score="satisfied",
        resident=without_phone[2],
        proxy_reason="老人没有手机，入户代录",
    )
    settings.update_settings(session, village_id=village.id, by=admin, publication_days=5)
    results.publish(session, rubbish, by=admin)


def _user_for(session: Session, village: Village, person: Resident, password: str) -> User:
    """The resident's login (made for the demo if they have none)."""
    found = session.scalar(select(User).where(User.resident_id == person.id))
    if found is not None:
        return found
    return users.create_user(
        session,
        username=f"cunmin{person.id}",
        password=password,
        village_id=village.id,
        roles=[Role.RESIDENT],
        resident_id=person.id,
    )
