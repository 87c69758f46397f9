"""The installer's commands: create-village, create-user, seed-demo, verify-ledger."""

from sqlalchemy import func, select, text

from points import ledger
from points.models import EntryKind, Household, Resident, Rule, User, Village


def test_create_village_and_user(app, session):
    runner = app.test_cli_runner()
    r = runner.invoke(args=["create-village", "--code", "dongshan", "--name", "东山村"])
    assert r.exit_code == 0, r.output
    village = session.scalar(select(Village).where(Village.code == "dongshan"))
    assert r.output.strip() == str(village.id)
    r = runner.invoke(args=["create-village", "--code", "dongshan", "--name", "又一个"])
    assert r.exit_code == 1 and "duplicate_village_code" in r.output
    r = runner.invoke(args=["create-village", "--code", "x", "--name", ""])
    assert r.exit_code == 1 and "invalid input" in r.output
    r = runner.invoke(
        args=[
            "create-user",
            "--village",
            "dongshan",
            "--username",
            "ds-admin",
            "--password",
            "long-password",
            "--role",
            "admin",
            "--role",
            "supervisor",
        ]
    )
    assert r.exit_code == 0, r.output
    user = session.scalar(select(User).where(User.username == "ds-admin"))
    assert {x.value for x in user.roles} == {"admin", "host", "clerk", "supervisor"}
    r = runner.invoke(
        args=[
            "create-user",
            "--village",
            "dongshan",
            "--username",
            "ds-admin",
            "--password",
            "long-password",
            "--role",
            "host",
        ]
    )
    assert r.exit_code == 1 and "duplicate_username" in r.output
    r = runner.invoke(
        args=[
            "create-user",
            "--village",
            "nowhere",
            "--username",
            "u-nowhere",
            "--password",
            "long-password",
            "--role",
            "host",
        ]
    )
    assert r.exit_code == 1 and "not_found" in r.output
    r = runner.invoke(
        args=[
            "create-user",
            "--village",
            "dongshan",
            "--username",
            "u2",
            "--password",
            "long-password",
            "--role",
            "mayor",
        ]
    )
    assert r.exit_code == 1 and "unknown role" in r.output


def test_seed_demo_into_empty_database_only(app, session, client):
    runner = app.test_cli_runner()
    r = runner.invoke(args=["seed-demo"])
    assert r.exit_code == 0, r.output
    assert "resident, county" in r.output  # the logins it prints
    village = session.scalar(select(Village).where(Village.code == "demo"))
    assert village.name == "示范村"
    assert session.scalar(select(func.count(Household.id))) == 80
    assert 215 <= session.scalar(select(func.count(Resident.id))) <= 225
    assert session.scalar(select(func.count(Rule.id))) >= 25
    assert (
        session.scalar(select(func.count(Resident.id)).where(Resident.name_initials == "zjg")) >= 1
    )
    for username in ("admin", "host", "clerk", "supervisor", "resident"):
        r = client.post(
            "/api/v1/auth/token", json={"username": username, "password": "cunyue-demo"}
        )
        assert r.status_code == 200, username
    # the county officer of 某县 logs in on the pages and sees the demo village's row
    page = app.test_client()
    r = page.post("/login", data={"username": "county", "password": "cunyue-demo"})
    assert r.status_code == 302
    table = page.get("/county").get_data(as_text=True)
    assert "某县" in table and "示范村" in table and "合计（1 个村）" in table
    r = runner.invoke(args=["seed-demo"])
    assert r.exit_code == 1 and "not empty" in r.output
    r = runner.invoke(args=["seed-demo", "--if-empty"])
    assert r.exit_code == 0 and "not loaded" in r.output


def test_demo_is_deterministic(session):
    """Two loads of the demo, each rolled back, give the same people in the same households."""
    from app import demo

    def load_once():
        nested = session.begin_nested()
        demo.seed_demo(session)
        rows = session.execute(
            select(Resident.name, Household.number)
            .join(Household, Household.id == Resident.household_id)
            .order_by(Household.number, Resident.name)
        ).all()
        nested.rollback()
        return [tuple(r) for r in rows]

    first, second = load_once(), load_once()
    assert first == second
    assert len(first) >= 215 and len({name for name, _ in first}) > 100  # varied names


def test_verify_ledger_command(app, session, connection, make_household, village):
    h = make_household(village, "1")
    entry = ledger.post(session, household_id=h.id, amount=10, kind=EntryKind.AWARD)
    session.commit()
    runner = app.test_cli_runner()
    r = runner.invoke(args=["verify-ledger"])
    assert r.exit_code == 0 and "OK" in r.output
    if connection.dialect.name == "postgresql":
        connection.execute(
            text("ALTER TABLE ledger_entries DISABLE TRIGGER ledger_entries_append_only")
        )
    else:
        connection.execute(text("DROP TRIGGER ledger_entries_no_update"))
    connection.execute(
        text("UPDATE ledger_entries SET note = 'edited' WHERE id = :id"), {"id": entry.id}
    )
    r = runner.invoke(args=["verify-ledger"])
    assert r.exit_code == 1
    assert f"PROBLEM hash_mismatch: household {h.id} entry {entry.id}" in r.output
    connection.execute(text("UPDATE ledger_entries SET note = '' WHERE id = :id"), {"id": entry.id})
    r = runner.invoke(args=["verify-ledger", "--village", "home"])
    assert r.exit_code == 0, r.output


def test_set_roles_from_the_command_line_grants_the_supervisor_role(app, session, village):
    """The supervisory committee's role is the command line's (or the county's) to give:
    ``set-roles`` grants it to an existing login, and the change is on the supervisors' list
    with no acting login (issue 14, finding 3)."""
    from points import users

    users.create_user(
        session,
        username="zhao-sup",
        password="long-password",
        village_id=village.id,
        roles=["resident"],
    )
    session.commit()
    runner = app.test_cli_runner()
    args = ["set-roles", "--village", village.code, "--username", "zhao-sup"]
    r = runner.invoke(args=[*args, "--role", "resident", "--role", "supervisor"])
    assert r.exit_code == 0, r.output
    assert "resident, supervisor" in r.output
    session.expire_all()
    user = session.scalar(select(User).where(User.username == "zhao-sup"))
    assert {x.value for x in user.roles} == {"resident", "supervisor"}
    [change] = [c for c in users.role_changes(session, village.id) if c.action == "user.roles"]
    assert (change.login, change.by, change.after) == (
        "zhao-sup",
        None,
        {"roles": ["resident", "supervisor"]},
    )
    r = runner.invoke(
        args=["set-roles", "--village", village.code, "--username", "nobody", "--role", "host"]
    )
    assert r.exit_code == 1 and "nobody" in r.output
    r = runner.invoke(args=[*args, "--role", "emperor"])
    assert r.exit_code == 1


def test_a_supervisors_password_is_reset_from_the_command_line(
    app, session, village, client, make_user
):
    """The village's admins cannot reset a supervisor's password (they could then act as
    the supervisor who checks them); the command line can."""
    from points import users
    from points.models import AuditLog, Role
    from tests.conftest import PASSWORD

    sup = make_user(village, roles=[Role.SUPERVISOR], username="zhao-sup2")
    make_user(village, roles=[Role.ADMIN], username="admin-x")
    client.post("/login", data={"username": "admin-x", "password": PASSWORD})
    r = client.post(f"/admin/users/{sup.id}/password", data={"password": "taken-over-12"})
    assert r.status_code == 403 and "命令行或县里" in r.get_data(as_text=True)
    assert users.authenticate(session, "zhao-sup2", PASSWORD).id == sup.id
    runner = app.test_cli_runner()
    args = ["reset-password", "--village", village.code, "--username"]
    r = runner.invoke(args=[*args, "zhao-sup2", "--password", "short"])
    assert r.exit_code == 1 and "password" in r.output
    r = runner.invoke(args=[*args, "nobody", "--password", "brand-new-pass-1"])
    assert r.exit_code == 1 and "no login nobody" in r.output
    session.expire_all()
    assert users.authenticate(session, "zhao-sup2", PASSWORD).id == sup.id  # unchanged so far
    r = runner.invoke(args=[*args, "zhao-sup2", "--password", "brand-new-pass-1"])
    assert r.exit_code == 0, r.output
    session.expire_all()
    assert users.authenticate(session, "zhao-sup2", "brand-new-pass-1").id == sup.id
    [reset] = session.scalars(
        select(AuditLog).where(
            AuditLog.action == "user.password_reset", AuditLog.object_id == sup.id
        )
    ).all()
    assert reset.user_id is None  # from the command line: no village login made it
