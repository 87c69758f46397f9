"""The committee's pages: households, residents, logins. Bad input is a 400 with field messages."""

import pytest
from sqlalchemy import func, select

from points.models import AuditLog, Household, Resident, ResidentStatus, User
from tests.conftest import PASSWORD


@pytest.fixture
def admin_client(client, village, make_user, login):
    admin = make_user(village, roles=["admin"])
    login(admin)
    client.admin = admin
    return client


def test_household_create_edit_and_duplicate(admin_client, session, village):
    r = admin_client.post(
        "/admin/households/new", data={"number": "6001", "group": "第二组", "address": "村东头"}
    )
    assert r.status_code == 302
    h = session.scalar(select(Household).where(Household.number == "6001"))
    assert h.group.name == "第二组" and h.address == "村东头"
    page = admin_client.get(f"/admin/households/{h.id}").get_data(as_text=True)
    assert "户号 6001" in page and "村东头" in page
    r = admin_client.post("/admin/households/new", data={"number": "6001"})
    assert r.status_code == 409 and "该户号已存在" in r.get_data(as_text=True)
    r = admin_client.post(
        f"/admin/households/{h.id}/edit", data={"number": "6002", "group": "", "address": "村西头"}
    )
    assert r.status_code == 302
    session.expire_all()
    assert session.get(Household, h.id).number == "6002"


@pytest.mark.parametrize(
    "data,message",
    [
        ({"number": ""}, "该字段是必填字段。"),
        ({"number": "with space"}, "1-32 位字母、数字或 -"),
        ({"number": "1", "address": "x" * 201}, "200"),
    ],
)
def test_household_form_bad_input(admin_client, session, data, message):
    before = session.scalar(select(func.count(Household.id)))
    r = admin_client.post("/admin/households/new", data=data)
    assert r.status_code == 400
    assert message in r.get_data(as_text=True)
    assert session.scalar(select(func.count(Household.id))) == before


def test_resident_lifecycle(admin_client, session, village):
    r = admin_client.post(
        "/admin/residents/new",
        data={"household_number": "7001", "name": "张建国", "phone": "13911112222"},
    )
    assert r.status_code == 302
    res = session.scalar(select(Resident).where(Resident.name == "张建国"))
    page = admin_client.get("/admin/households?q=zjg").get_data(as_text=True)
    assert "7001" in page and "张建国" in page
    r = admin_client.post(
        f"/admin/residents/{res.id}", data={"name": "张建军", "phone": "13911112222"}
    )
    assert r.status_code == 302
    r = admin_client.post(f"/admin/residents/{res.id}/move", data={"household_number": "7002"})
    assert r.status_code == 302
    r = admin_client.post(f"/admin/residents/{res.id}/move", data={"household_number": "7002"})
    assert r.status_code == 400 and "已经在这一户" in r.get_data(as_text=True)
    r = admin_client.post(f"/admin/residents/{res.id}/status", data={"status": "moved_out"})
    assert r.status_code == 302
    session.expire_all()
    res = session.get(Resident, res.id)
    assert (res.name, res.household.number, res.status) == (
        "张建军",
        "7002",
        ResidentStatus.MOVED_OUT,
    )
    actions = list(
        session.scalars(
            select(AuditLog.action).where(
                AuditLog.object_id == res.id, AuditLog.object_type == "resident"
            )
        )
    )
    assert actions == ["resident.create", "resident.update", "resident.move", "resident.status"]
    audit = session.scalar(select(AuditLog).where(AuditLog.action == "resident.update"))
    assert audit.before["name"] == "张建国" and audit.after["name"] == "张建军"
    assert audit.user_id == admin_client.admin.id


def test_resident_form_errors(admin_client, session, make_resident, village):
    other = make_resident(village, name="甲", phone="13900000000")
    r = admin_client.post(
        "/admin/residents/new", data={"household_number": "1", "name": "乙", "phone": "13900000000"}
    )
    assert r.status_code == 409 and "本村已有其他村民使用这个手机号" in r.get_data(as_text=True)
    r = admin_client.post(
        "/admin/residents/new", data={"household_number": "1", "name": "乙", "phone": "phone"}
    )
    assert r.status_code == 400 and "不是有效的电话号码" in r.get_data(as_text=True)
    r = admin_client.post(f"/admin/residents/{other.id}/status", data={"status": "alive"})
    assert r.status_code == 400
    assert session.scalar(select(func.count(Resident.id)).where(Resident.name == "乙")) == 0


def test_users_create_roles_and_reset(admin_client, session, client):
    r = admin_client.post(
        "/admin/users/new",
        data={
            "username": "wanggrid",
            "full_name": "王网格",
            "password": "grid-pass-123",
            "roles": ["host"],
        },
    )
    assert r.status_code == 302
    u = session.scalar(select(User).where(User.username == "wanggrid"))
    assert {r.value for r in u.roles} == {"host"}
    r = admin_client.post(
        "/admin/users/new",
        data={"username": "wanggrid", "password": "grid-pass-123", "roles": ["host"]},
    )
    assert r.status_code == 409 and "该用户名已被使用" in r.get_data(as_text=True)
    r = admin_client.post(
        "/admin/users/new", data={"username": "newbie", "password": "short", "roles": []}
    )
    assert r.status_code == 400
    r = admin_client.post(f"/admin/users/{u.id}", data={"roles": ["host", "clerk"], "active": "y"})
    assert r.status_code == 302
    session.expire_all()
    assert {r.value for r in session.get(User, u.id).roles} == {"host", "clerk"}
    # The supervisor's role is not the committee's to give (issue 14, finding 3).
    r = admin_client.post(
        f"/admin/users/{u.id}", data={"roles": ["host", "supervisor"], "active": "y"}
    )
    assert r.status_code == 400
    session.expire_all()
    assert {r.value for r in session.get(User, u.id).roles} == {"host", "clerk"}
    r = admin_client.post(f"/admin/users/{u.id}/password", data={"password": "brand-new-pass"})
    assert r.status_code == 302
    r = admin_client.post(
        f"/admin/users/{admin_client.admin.id}", data={"roles": ["host"], "active": "y"}
    )
    assert r.status_code == 400 and "不能撤销自己的管理员角色" in r.get_data(as_text=True)
    # The new password works; the old one does not.
    admin_client.post("/logout")
    assert (
        admin_client.post(
            "/login", data={"username": "wanggrid", "password": "grid-pass-123"}
        ).status_code
        == 401
    )
    assert (
        admin_client.post(
            "/login", data={"username": "wanggrid", "password": "brand-new-pass"}
        ).status_code
        == 302
    )


def test_pages_of_another_village_are_404(admin_client, other_village, make_resident, make_user):
    theirs = make_resident(other_village, name="外村人")
    their_user = make_user(other_village, roles=["host"])
    for path in (
        f"/admin/households/{theirs.household_id}",
        f"/admin/households/{theirs.household_id}/edit",
        f"/admin/residents/{theirs.id}",
        f"/admin/users/{their_user.id}",
    ):
        assert admin_client.get(path).status_code == 404, path
    assert (
        admin_client.post(
            f"/admin/residents/{theirs.id}/status", data={"status": "moved_out"}
        ).status_code
        == 404
    )
    assert (
        admin_client.post(
            f"/admin/users/{their_user.id}/password", data={"password": "whatever-123"}
        ).status_code
        == 404
    )
    assert "没有找到相关户" in admin_client.get("/admin/households?q=外村人").get_data(as_text=True)


def test_disabled_login_cannot_log_in(admin_client, session, make_user, village, app):
    u = make_user(village, roles=["host"])
    r = admin_client.post(f"/admin/users/{u.id}", data={"roles": ["host"]})
    assert r.status_code == 302
    c = app.test_client()
    assert c.post("/login", data={"username": u.username, "password": PASSWORD}).status_code == 401


def test_language_switch(client, village, make_user, login):
    login(make_user(village, roles=["host"]))
    assert "工作台" in client.get("/staff").get_data(as_text=True)
    client.get("/lang/en")
    page = client.get("/staff").get_data(as_text=True)
    assert "Work" in page and "工作台" not in page
    client.get("/lang/zh")
    assert "工作台" in client.get("/staff").get_data(as_text=True)


@pytest.mark.parametrize("status", ["deceased", "moved_out"])
def test_a_resident_who_leaves_loses_login_tokens_and_sessions(
    app, admin_client, session, village, make_household, make_resident, make_user, token_for, status
):
    """Marked deceased or moved out, a resident's login is disabled, its bearer token
    revoked and its open session ended, by the status service itself (issue 14, finding 4)."""
    resident = make_resident(village, make_household(village, "8801"), name="赵德明")
    user = make_user(village, roles=["resident"], resident=resident)
    token = token_for(user)
    phone = app.test_client()
    assert (
        phone.post("/login", data={"username": user.username, "password": PASSWORD}).status_code
        == 302
    )
    assert phone.get("/me").status_code == 200
    assert phone.get("/api/v1/me", headers=token).status_code == 200

    r = admin_client.post(f"/admin/residents/{resident.id}/status", data={"status": status})
    assert r.status_code == 302
    session.expire_all()
    assert session.get(User, user.id).active is False
    assert phone.get("/api/v1/me", headers=token).status_code == 401
    assert phone.get("/me").status_code == 302  # back to the login page
    again = app.test_client().post("/login", data={"username": user.username, "password": PASSWORD})
    assert again.status_code != 302
    row = session.scalar(
        select(AuditLog).where(AuditLog.action == "user.active", AuditLog.object_id == user.id)
    )
    assert (row.user_id, row.after) == (admin_client.admin.id, {"active": False, "why": status})
    # Nor can the login be switched back on while the record says they have left.
    r = admin_client.post(f"/admin/users/{user.id}", data={"roles": ["resident"], "active": "y"})
    assert r.status_code == 400
    session.expire_all()
    assert session.get(User, user.id).active is False


def test_the_committee_cannot_make_a_supervisor_and_the_supervisors_see_every_change(
    app, admin_client, session, village, make_user, token_for
):
    """An admin cannot make a second login as supervisor, nor give themself the role, from
    the pages; every login made and role changed is on a list the supervisors read, with
    who did it (issue 14, finding 3)."""
    r = admin_client.post(
        "/admin/users/new",
        data={"username": "my-second", "password": "second-pass-1", "roles": ["supervisor"]},
    )
    assert r.status_code == 400 and "命令行" in r.get_data(as_text=True)
    assert session.scalar(select(User).where(User.username == "my-second")) is None
    me = admin_client.admin
    r = admin_client.post(
        f"/admin/users/{me.id}", data={"roles": ["admin", "supervisor"], "active": "y"}
    )
    assert r.status_code == 400
    session.expire_all()
    assert "supervisor" not in {x.value for x in session.get(User, me.id).roles}
    r = admin_client.post(
        "/admin/users/new",
        data={"username": "my-helper", "password": "helper-pass-1", "roles": ["admin"]},
    )
    assert r.status_code == 302
    supervisor = make_user(village, roles=["supervisor"], username="jiandu")
    reader = app.test_client()
    assert (
        reader.post("/login", data={"username": "jiandu", "password": PASSWORD}).status_code == 302
    )
    page = reader.get("/admin/role-changes").get_data(as_text=True)
    assert "my-helper" in page and me.username in page and "my-second" not in page
    rows = reader.get("/api/v1/role-changes", headers=token_for(supervisor)).json["items"]
    made = next(x for x in rows if x["login"] == "my-helper")
    assert (made["action"], made["by"], made["after"]["roles"]) == (
        "user.create",
        me.username,
        ["admin"],
    )
    assert next(x for x in rows if x["login"] == "jiandu")["by"] is None  # the command line


def test_a_staff_login_linked_to_its_villager_awards_its_own_family_through_review(
    app, admin_client, session, village, make_household, make_resident, fixed_clock
):
    """A grid worker who lives in household 5001 is linked to their resident record when the
    committee makes the login; their award to their own father under a rule that needs no
    review waits for someone else's review, as for any own-household award (issue 14)."""
    from points import rules
    from points.models import Award, AwardStatus
    from tests.conftest import PASSWORD as _  # noqa: F401

    home = make_household(village, "5001")
    father = make_resident(village, home, name="王大伯")
    son = make_resident(village, home, name="王小军")
    neighbour = make_resident(village, make_household(village, "5002"), name="李秀英")
    meeting = rules.create_rule(
        session,
        village_id=village.id,
        code="YS01",
        terms=rules.clean_terms({"title": "参加村民议事会", "category": "议事协商", "points": 5}),
        effective_from=village.created_at.date(),
        by_id=None,
    )
    session.commit()
    form = {"username": "wang-grid", "password": "grid-pass-123", "roles": ["host"]}
    r = admin_client.post(
        "/admin/users/new", data={**form, "household_number": "5001", "resident_name": "王大妈"}
    )
    assert (
        r.status_code == 400
        and session.scalar(select(User).where(User.username == "wang-grid")) is None
    )
    r = admin_client.post(
        "/admin/users/new", data={**form, "household_number": "5001", "resident_name": "王小军"}
    )
    assert r.status_code == 302
    host = session.scalar(select(User).where(User.username == "wang-grid"))
    assert host.resident_id == son.id
    edit = admin_client.get(f"/admin/users/{host.id}").get_data(as_text=True)
    assert 'value="5001"' in edit and 'value="王小军"' in edit

    phone = app.test_client()
    token = phone.post(
        "/api/v1/auth/token", json={"username": "wang-grid", "password": "grid-pass-123"}
    ).json["token"]
    headers = {"Authorization": f"Bearer {token}"}
    own = phone.post(
        "/api/v1/awards", json={"resident_id": father.id, "rule_id": meeting.id}, headers=headers
    )
    assert own.status_code == 201 and own.json["status"] == "pending", own.json
    other = phone.post(
        "/api/v1/awards", json={"resident_id": neighbour.id, "rule_id": meeting.id}, headers=headers
    )
    assert other.status_code == 201 and other.json["status"] == "confirmed"
    session.expire_all()
    assert (home.balance, home.pending) == (0, 5)
    assert session.get(Award, own.json["id"]).status == AwardStatus.PENDING
