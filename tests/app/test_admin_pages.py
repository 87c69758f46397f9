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
    r = admin_client.post(
        f"/admin/users/{u.id}", data={"roles": ["host", "supervisor"], "active": "y"}
    )
    assert r.status_code == 302
    session.expire_all()
    assert {r.value for r in session.get(User, u.id).roles} == {"host", "supervisor"}
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
