"""Role × endpoint: every page and API endpoint refuses the roles it must refuse.

Each row: method, path (formatted with the ids of a household, resident and user of the
village), the roles allowed, and a JSON or form body. Allowed roles must get anything but
401/403 (and never a 500); other roles get 403, anonymous callers 401 (API) or a redirect to
the login page. A test also checks that every route of the app is listed here.
"""

import pytest

from points.models import Role

ALL = {"resident", "host", "clerk", "admin", "supervisor"}
STAFF = {"host", "clerk", "admin", "supervisor"}
ADMIN = {"admin"}

ROUTES = [
    # pages
    ("GET", "/me", ALL, None),
    ("GET", "/staff", STAFF, None),
    ("GET", "/password", ALL, None),
    ("POST", "/password", ALL, {"current_password": "x"}),
    ("GET", "/admin/households", STAFF, None),
    ("GET", "/admin/households/{household}", STAFF, None),
    ("GET", "/admin/households/new", ADMIN, None),
    ("POST", "/admin/households/new", ADMIN, {"number": ""}),
    ("GET", "/admin/households/{household}/edit", ADMIN, None),
    ("POST", "/admin/households/{household}/edit", ADMIN, {"number": ""}),
    ("GET", "/admin/residents/new", ADMIN, None),
    ("POST", "/admin/residents/new", ADMIN, {"name": ""}),
    ("GET", "/admin/residents/{resident}", ADMIN, None),
    ("POST", "/admin/residents/{resident}", ADMIN, {"name": ""}),
    ("POST", "/admin/residents/{resident}/move", ADMIN, {"household_number": ""}),
    ("POST", "/admin/residents/{resident}/status", ADMIN, {"status": "bogus"}),
    ("GET", "/admin/users", ADMIN, None),
    ("GET", "/admin/users/new", ADMIN, None),
    ("POST", "/admin/users/new", ADMIN, {"username": ""}),
    ("GET", "/admin/users/{user}", ADMIN, None),
    ("POST", "/admin/users/{user}", ADMIN, {"roles": "bogus"}),
    ("POST", "/admin/users/{user}/password", ADMIN, {"password": ""}),
    # API
    ("GET", "/api/v1/me", ALL, None),
    ("DELETE", "/api/v1/auth/token", ALL, None),
    ("GET", "/api/v1/households", STAFF, None),
    ("GET", "/api/v1/households/{household}", STAFF, None),
    ("GET", "/api/v1/households/{household}/ledger", STAFF, None),
    ("POST", "/api/v1/residents", ADMIN, {"household_number": "", "name": ""}),
    ("GET", "/api/v1/rules", ALL, None),
    ("POST", "/api/v1/rules", ADMIN, {"code": ""}),
    ("GET", "/api/v1/ledger/verify", {"admin", "supervisor"}, None),
]

# Rows where a resident may see only their own household: others answer 404, not 403.
OWN_ONLY = {"/api/v1/households/{household}", "/api/v1/households/{household}/ledger"}

# Routes open to anyone (no login), and routes checked elsewhere.
PUBLIC = {
    "/login",
    "/logout",
    "/",
    "/lang/<lang>",
    "/static/<path:filename>",
    "/api/v1/auth/token",
    "/api/v1/openapi.json",
    "/api/v1/docs",
}


@pytest.fixture
def world(village, make_household, make_resident, make_user):
    household = make_household(village, "5001")
    resident = make_resident(village, household, name="李秀英")
    someone = make_user(village, roles=["host"])
    users = {role: make_user(village, roles=[role]) for role in sorted(ALL)}
    return {"household": household.id, "resident": resident.id, "user": someone.id, "users": users}


def _call(client, method, path, body, headers=None):
    if path.startswith("/api/"):
        return client.open(
            path, method=method, json=body if method != "GET" else None, headers=headers
        )
    return client.open(path, method=method, data=body, headers=headers)


@pytest.mark.parametrize(
    "method,path,allowed,body", ROUTES, ids=[f"{m} {p}" for m, p, _a, _b in ROUTES]
)
def test_role_matrix(app, world, token_for, method, path, allowed, body):
    url = path.format(**world)
    anonymous = app.test_client()
    r = _call(anonymous, method, url, body)
    if url.startswith("/api/"):
        assert r.status_code == 401 and r.json["error"] == "unauthorized"
    else:
        assert r.status_code == 302 and "/login" in r.location
    for role, user in world["users"].items():
        client = app.test_client()
        headers = None
        if url.startswith("/api/"):
            headers = token_for(user)
        else:
            client.post("/login", data={"username": user.username, "password": "secret-pass-1"})
        r = _call(client, method, url, body, headers)
        assert r.status_code != 500, (role, r.data[:300])
        if role in allowed:
            assert r.status_code not in (401, 403), (role, r.status_code)
        elif role == "resident" and path in OWN_ONLY:
            assert r.status_code == 404, (role, r.status_code)
        else:
            assert r.status_code == 403, (role, r.status_code)


def test_every_route_is_in_the_matrix(app):
    listed = {(m, p) for m, p, _a, _b in ROUTES}
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.rule in PUBLIC:
            continue
        path = (
            rule.rule.replace("<int:household_id>", "{household}")
            .replace("<int:resident_id>", "{resident}")
            .replace("<int:user_id>", "{user}")
        )
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if (method, path) not in listed:
                missing.append(f"{method} {rule.rule}")
    assert not missing, missing


def test_resident_sees_own_household_only(
    app, village, make_household, make_resident, make_user, token_for
):
    mine = make_household(village, "1")
    theirs = make_household(village, "2")
    me = make_resident(village, mine, name="甲")
    make_resident(village, theirs, name="乙")
    user = make_user(village, roles=[Role.RESIDENT], resident=me)
    c = app.test_client()
    h = token_for(user)
    assert c.get(f"/api/v1/households/{mine.id}", headers=h).status_code == 200
    assert c.get(f"/api/v1/households/{mine.id}/ledger", headers=h).status_code == 200
    assert c.get(f"/api/v1/households/{theirs.id}", headers=h).status_code == 404
    assert c.get(f"/api/v1/households/{theirs.id}/ledger", headers=h).status_code == 404


def test_resident_only_actions_refuse_staff_before_reading_the_body(
    app, session, village, other_village, make_household, make_resident, make_user, token_for, login
):
    """Objecting and claiming are for residents of the village: a staff login without a
    resident record gets 403 whatever it sends (not 400 for a bad body, not an objection
    form it could never submit); a resident with the same bad body gets 400."""
    from points import awards, rules  # noqa: PLC0415
    from points.clock import now  # noqa: PLC0415

    household = make_household(village, "1")
    li = make_resident(village, household, name="李秀英")
    wang = make_resident(village, make_household(village, "2"), name="王建国")
    host = make_user(village, roles=[Role.HOST])
    supervisor = make_user(village, roles=[Role.SUPERVISOR])
    resident = make_user(village, roles=[Role.RESIDENT], resident=wang)
    terms = rules.clean_terms(
        {"title": "孝老爱亲", "category": "孝老爱亲", "points": 10, "claimable": True}
    )
    rule = rules.create_rule(
        session,
        village_id=village.id,
        code="XL01",
        terms=terms,
        effective_from=now().date(),
        by_id=None,
    )
    award = awards.create_award(session, village=village, rule=rule, resident=li, by=host)
    awards.approve(session, award, by=supervisor)
    session.commit()
    c = app.test_client()
    for path in (f"/api/v1/awards/{award.id}/objections", "/api/v1/claims"):
        assert c.post(path, json={}, headers=token_for(host)).status_code == 403, path
        assert c.post(path, json={}, headers=token_for(resident)).status_code == 400, path
    # a resident of another village does get past the check, and finds no such award
    stranger = make_resident(other_village, make_household(other_village, "9"), name="外村人")
    outsider = make_user(other_village, roles=[Role.RESIDENT], resident=stranger)
    r = c.post(
        f"/api/v1/awards/{award.id}/objections", json={"reason": "x"}, headers=token_for(outsider)
    )
    assert r.status_code == 404
    page = login(host, app.test_client())
    assert page.get(f"/awards/{award.id}/object").status_code == 403
    assert page.post(f"/awards/{award.id}/object", data={"reason": ""}).status_code == 403
    assert page.get("/claims/new").status_code == 403
    page = login(resident, app.test_client())
    assert page.get(f"/awards/{award.id}/object").status_code == 200
    assert page.post(f"/awards/{award.id}/object", data={"reason": ""}).status_code == 400
