"""The deliberation pages: a topic from a resident's phone to a rated result, in Chinese,
with bad input answered 4xx and another village's topics 404."""

from datetime import date, timedelta

import pytest
from flask.testing import FlaskClient

from points import rules
from points.deliberation.models import Topic, TopicStatus
from points.models import Role

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _rule(session, village, code, points):
    terms = rules.clean_terms({"title": f"规则{code}", "category": "议事协商", "points": points})
    r = rules.create_rule(
        session,
        village_id=village.id,
        code=code,
        terms=terms,
        effective_from=date(2026, 1, 1),
        by_id=None,
    )
    session.commit()
    return r


@pytest.fixture
def w(
    app,
    session,
    village,
    other_village,
    make_household,
    make_resident,
    make_user,
    tmp_path,
    fixed_clock,
):
    app.config["UPLOAD_FOLDER"] = str(tmp_path)
    h1 = make_household(village, "1001")
    wang = make_resident(village, h1, "王建国", phone="13900000001")
    zhao = make_resident(village, make_household(village, "1002"), "赵大爷")
    stranger = make_resident(other_village, make_household(other_village, "9001"), "外村人")
    meeting = _rule(session, village, "YS01", 5)
    users = {
        "admin": make_user(village, (Role.ADMIN,)),
        "admin2": make_user(village, (Role.ADMIN,)),
        "host": make_user(village, (Role.HOST,)),
        "sup": make_user(village, (Role.SUPERVISOR,)),
        "wang": make_user(village, (Role.RESIDENT,), resident=wang),
        "other": make_user(other_village, (Role.RESIDENT,), resident=stranger),
    }
    return type("W", (), {**users, "h1": h1, "wang_r": wang, "zhao": zhao, "meeting": meeting})


def _as(app, login, user) -> FlaskClient:
    c = app.test_client()
    login(user, c)
    return c


def _csrf(client, path):
    return {}


def test_resident_raises_topic_then_follows_it_to_a_rating(app, session, login, w, fixed_clock):
    res = _as(app, login, w.wang)
    page = res.get("/topics/new")
    assert page.status_code == 200 and "提出议题" in page.get_data(as_text=True)
    r = res.post("/topics/new", data={"title": "", "description": "x"})
    assert r.status_code == 400 and "必填" in r.get_data(as_text=True)
    r = res.post(
        "/topics/new",
        data={
            "title": "村口路灯不亮",
            "description": "老槐树下的路灯坏了",
            "size": "small",
            "urgent": "1",
            "photo": (__import__("io").BytesIO(PNG), "lamp.png"),
        },
        content_type="multipart/form-data",
    )
    assert r.status_code == 302
    topic = session.query(Topic).one()
    assert topic.urgent and topic.photo_path
    assert res.get(f"/topics/{topic.id}/photo").status_code == 200
    mine = res.get("/topics/?mine=1").get_data(as_text=True)
    assert "村口路灯不亮" in mine and "紧急" in mine

    admin = _as(app, login, w.admin)
    detail = admin.get(f"/topics/{topic.id}").get_data(as_text=True)
    assert "确定议题" in detail and "王建国" in detail
    r = admin.post(
        f"/topics/{topic.id}/decide",
        data={
            "accept": "1",
            "category": "公共事务、公共环境、公益事业",
            "size": "small",
            "urgent": "1",
        },
    )
    assert r.status_code == 302
    r = admin.post(f"/topics/{topic.id}/result", data={"result": "换灯", "note": ""})
    assert r.status_code == 400
    r = admin.post(
        f"/topics/{topic.id}/result",
        data={"result": "村委会更换灯泡", "note": "两委商定", "cosigner_id": w.admin2.id},
    )
    assert r.status_code == 302
    assert admin.post(f"/topics/{topic.id}/publish").status_code == 302
    r = admin.post(
        f"/topics/{topic.id}/implement", data={"owner": "电工", "deadline": "2026-12-01"}
    )
    assert r.status_code == 409 and "公示期" in r.get_data(as_text=True)
    seen = res.get(f"/topics/{topic.id}").get_data(as_text=True)
    assert "村委会更换灯泡" in seen and "对结果有异议" in seen
    assert "结果：村委会更换灯泡" in res.get("/topics/?mine=1").get_data(as_text=True)
    board = res.get("/board").get_data(as_text=True)
    assert "议事结果公示" in board and "村委会更换灯泡" in board
    fixed_clock.advance(days=5, minutes=1)
    r = admin.post(
        f"/topics/{topic.id}/implement", data={"owner": "电工", "deadline": "2026-12-01"}
    )
    assert r.status_code == 302
    host = _as(app, login, w.host)
    r = host.post(
        f"/topics/{topic.id}/progress",
        data={"note": "已买灯", "photo": (__import__("io").BytesIO(PNG), "p.png")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 302
    from points.deliberation.models import TopicProgress

    note = session.query(TopicProgress).one()
    assert res.get(f"/topics/progress/{note.id}/photo").status_code == 200
    assert "已买灯" in res.get(f"/topics/{topic.id}").get_data(as_text=True)
    assert host.post(f"/topics/{topic.id}/sign-off").status_code == 403
    sup = _as(app, login, w.sup)
    assert sup.post(f"/topics/{topic.id}/sign-off", data={"note": "验收"}).status_code == 302
    r = res.post(f"/topics/{topic.id}/rate", data={"score": "satisfied"})
    assert r.status_code == 302
    r = res.post(f"/topics/{topic.id}/rate", data={"score": "satisfied"})
    assert r.status_code == 409 and "已经评价" in r.get_data(as_text=True)
    r = host.post(
        f"/topics/{topic.id}/rate",
        data={"household": "1002", "proxy_reason": "老人无手机", "score": "dissatisfied"},
    )
    assert r.status_code == 302
    page = res.get(f"/topics/{topic.id}").get_data(as_text=True)
    assert "满意率 50%" in page and "您的评价" in page
    r = sup.post(f"/topics/{topic.id}/close-rating")
    assert r.status_code == 302
    session.expire_all()
    assert session.get(Topic, topic.id).status == TopicStatus.IMPLEMENTING


def test_visit_log_meeting_and_outcome(app, session, login, w, fixed_clock):
    host = _as(app, login, w.host)
    assert "民情日志" in host.get("/topics/visits").get_data(as_text=True)
    r = host.post("/topics/visits", data={"household": "9999", "raised": "x"})
    assert r.status_code == 400
    r = host.post(
        "/topics/visits",
        data={"household": "1002", "raised": "院墙开裂，雨后更严重", "visited_on": "2026-11-01"},
    )
    assert r.status_code == 302
    page = host.get("/topics/visits").get_data(as_text=True)
    assert "院墙开裂" in page and "转为议题" in page
    from points.deliberation.models import VisitLog

    visit = session.query(VisitLog).one()
    r = host.post(f"/topics/visits/{visit.id}/topic")
    assert r.status_code == 302
    topic = session.query(Topic).one()
    assert topic.source.value == "visit"
    admin = _as(app, login, w.admin)
    admin.post(
        f"/topics/{topic.id}/decide",
        data={"accept": "1", "category": "村民反映强烈的困难和纠纷", "size": "hard"},
    )
    r = host.post(
        f"/topics/{topic.id}/research",
        data={
            "proposal": "村里出资修补院墙",
            "parties": "赵大爷、邻居",
            "notice": "周五晚议事",
            "complete": "1",
        },
    )
    assert r.status_code == 302
    assert "周五晚议事" in host.get(f"/topics/{topic.id}/notice").get_data(as_text=True)
    start = fixed_clock.now + timedelta(hours=1)
    r = host.post(
        "/topics/meetings/new",
        data={
            "topic_ids": [str(topic.id)],
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "rule_id": str(w.meeting.id),
        },
    )
    assert r.status_code == 302 and "/host/events/" in r.headers["Location"]
    event_page = host.get(r.headers["Location"]).get_data(as_text=True)
    assert "议程" in event_page and "院墙开裂" in event_page
    event_id = int(r.headers["Location"].rstrip("/").split("/")[-1])
    r = host.post(
        f"/topics/{topic.id}/result",
        data={"event_id": event_id, "minutes": "多数同意", "result": "修补院墙", "passed": "1"},
    )
    assert r.status_code == 302
    session.expire_all()
    assert session.get(Topic, topic.id).status == TopicStatus.DELIBERATED


def test_other_village_and_roles(app, session, login, w):
    res = _as(app, login, w.wang)
    res.post("/topics/new", data={"title": "路灯"})
    topic = session.query(Topic).one()
    other = _as(app, login, w.other)
    assert other.get(f"/topics/{topic.id}").status_code == 404
    assert other.post(f"/topics/{topic.id}/rate", data={"score": "satisfied"}).status_code == 404
    assert res.post(f"/topics/{topic.id}/decide", data={"accept": "1"}).status_code == 403
    assert res.get("/topics/settings").status_code == 403
    admin = _as(app, login, w.admin)
    assert "五议" in admin.get("/topics/settings").get_data(as_text=True)
    r = admin.post("/topics/settings", data={"publication_days": "99"})
    assert r.status_code == 400
    r = admin.post("/topics/settings", data={"publication_days": "3"})
    assert r.status_code == 302
    r = admin.post(
        f"/topics/{topic.id}/decide", data={"accept": "0", "reason": "违反政策的事项不议"}
    )
    assert r.status_code == 302
    page = res.get("/topics/?mine=1").get_data(as_text=True)
    assert "违反政策的事项不议" in page


def test_registers_print_and_xlsx_keep_text_as_text(app, session, login, w, fixed_clock):
    import io

    from openpyxl import load_workbook

    res = _as(app, login, w.wang)
    res.post("/topics/new", data={"title": '=HYPERLINK("x")', "description": "+1 -2 @3"})
    res.post("/topics/new", data={"title": "修路"})
    host = _as(app, login, w.host)
    index = host.get("/topics/registers").get_data(as_text=True)
    assert "议题收集册" in index and "办理公示簿" in index
    page = host.get("/topics/registers/collection?year=2026").get_data(as_text=True)
    assert "议题收集册（2026）" in page and "修路" in page and "打印" in page
    assert "幸福村" in page and "2026-11-02" in page
    for kind in ("research", "meetings", "implementation"):
        assert host.get(f"/topics/registers/{kind}?year=2026").status_code == 200
    assert host.get("/topics/registers/collection?year=abc").status_code == 400
    assert host.get("/topics/registers/nope").status_code == 404
    r = host.get("/topics/registers/collection.xlsx?year=2026")
    assert r.status_code == 200
    sheet = load_workbook(io.BytesIO(r.data)).active
    assert sheet["A1"].value == "幸福村 议题收集册 2026"
    assert sheet["C2"].value == "议题"
    cell = sheet["C3"]
    assert (cell.value, cell.data_type) == ('=HYPERLINK("x")', "s")
    assert (sheet["D3"].value, sheet["D3"].data_type) == ("+1 -2 @3", "s")
    assert sheet["E3"].value == "王建国"
    empty = load_workbook(io.BytesIO(host.get("/topics/registers/collection.xlsx?year=2025").data))
    assert empty.active.max_row == 2
    assert _as(app, login, w.wang).get("/topics/registers").status_code == 403


def test_overdue_topics_are_highlighted_to_staff(app, session, login, w, fixed_clock):
    from points.deliberation import implementation, results, screening, topics

    village = w.wang.village
    topic = topics.submit(session, village=village, by=w.wang, title="小学门口减速带", size="small")
    screening.decide(
        session,
        topic,
        village=village,
        by=w.admin,
        accept=True,
        category="公共事务、公共环境、公益事业",
    )
    results.decide_result(
        session, topic, by=w.admin, result="装减速带", note="小事", cosigner_id=w.admin2.id
    )
    results.publish(session, topic, by=w.admin)
    fixed_clock.advance(days=6)
    implementation.start(session, topic, by=w.admin, owner="王主任", deadline=date(2026, 11, 10))
    session.commit()
    sup = _as(app, login, w.sup)
    assert "已超期" not in sup.get("/topics/").get_data(as_text=True)
    fixed_clock.advance(days=3)  # 11-11: the deadline has passed
    page = sup.get("/topics/").get_data(as_text=True)
    assert "已超期（1）" in page and "王主任" in page
    assert "已超期" in sup.get(f"/topics/{topic.id}").get_data(as_text=True)
    assert "已超期（1）" not in _as(app, login, w.wang).get("/topics/").get_data(as_text=True)
