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
