"""Role × endpoint: every page and API endpoint refuses the roles it must refuse.

The table is written from the contract (the shared API.md, DESIGN.md and issues 3–5),
not from the decorators, so a wrong decorator makes it fail. Each row: method, path (with
placeholders filled from the ``world`` fixture: real objects of one village), the roles
allowed, and a JSON or form body. Bodies are mostly empty or invalid: once the permission
check has passed, a 400 or 409 is as good as a 200 here, and nothing needs undoing.

Allowed roles must get anything but 401/403 (and never a 500); other roles get 403,
anonymous callers 401 (API) or a redirect to the login page; a resident asking for another
household's object gets 404 (OWN_ONLY). A test also checks that every route of the app is
listed here.
"""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from points import awards, events, evidence, ledger, postings, rules
from points import county as counties
from points.clock import now
from points.event_models import CheckinMethod
from points.models import EntryKind, LedgerEntry, Resident, Role, Rule
from store import catalogue, orders, photos, voids

ALL = {"resident", "host", "clerk", "admin", "supervisor"}
STAFF = {"host", "clerk", "admin", "supervisor"}
ADMIN = {"admin"}
RESIDENT = {"resident"}
HOSTS = {"host", "admin"}  # "admin implies host and clerk" (API.md, Roles)
COUNTER = {"clerk", "admin"}  # 超市志愿者 and the village committee
REVIEWERS = {"admin", "supervisor"}  # approve/reject awards, decide objections, verify
SCANNERS = {"host", "clerk", "admin"}  # whoever scans cards: at events and at the counter
VOID_ASKERS = {"clerk", "admin", "supervisor"}  # who sells, and who voids
# A county officer (DESIGN.md: reads across villages, no write access to a village) is a
# login with a county and no village: only the county pages are theirs.
COUNTY = {"county"}

ROUTES = [
    # -- pages: residents and accounts --------------------------------------------------
    ("GET", "/me", ALL, None),
    ("GET", "/me/data.json", RESIDENT, None),  # 个人信息下载: a login with a resident record
    ("GET", "/me/data.xlsx", RESIDENT, None),
    ("GET", "/me/statement", RESIDENT, None),  # the household's monthly statement
    ("GET", "/staff", STAFF, None),
    ("GET", "/password", ALL | COUNTY, None),  # every login changes its own password
    ("POST", "/password", ALL | COUNTY, {"current_password": "x"}),
    # -- pages: households, residents, users (村两委) ----------------------------------
    ("GET", "/admin/dashboard", STAFF, None),
    ("GET", "/admin/statements", STAFF, None),  # 户积分月结单 per 村民小组, for the group leader
    ("GET", "/admin/audit", REVIEWERS, None),  # the audit log: supervisors and the committee
    ("GET", "/admin/audit.xlsx", REVIEWERS, None),
    ("GET", "/admin/privacy", ADMIN, None),
    ("POST", "/admin/privacy/retention", ADMIN, {"retention_days": "30"}),
    ("POST", "/admin/residents/{resident}/anonymise", ADMIN, {"confirm": "y"}),
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
    ("GET", "/admin/role-changes", REVIEWERS, None),  # the supervisors read every change
    ("GET", "/admin/users/new", ADMIN, None),
    ("POST", "/admin/users/new", ADMIN, {"username": ""}),
    ("GET", "/admin/users/{user}", ADMIN, None),
    ("POST", "/admin/users/{user}", ADMIN, {"roles": "bogus"}),
    ("POST", "/admin/users/{user}/password", ADMIN, {"password": ""}),
    # -- pages: the village office (roster, households over time, exports) -------------
    ("GET", "/admin/roster", ADMIN, None),
    ("POST", "/admin/roster", ADMIN, {}),
    ("GET", "/admin/roster/template.xlsx", ADMIN, None),
    ("GET", "/admin/households/{household}/changes", ADMIN, None),
    ("GET", "/admin/exports", REVIEWERS, None),
    ("GET", "/admin/exports/{kind}.xlsx", REVIEWERS, None),
    ("POST", "/admin/households/{household}/changes", ADMIN, {"kind": "bogus"}),
    # -- pages: rules (any user reads the 村规民约; the committee changes it) -----------
    ("GET", "/rules", ALL, None),
    ("GET", "/rules/{rule}", ALL, None),
    ("GET", "/rules/{rule}/revise", ADMIN, None),
    ("POST", "/rules/{rule}/revise", ADMIN, {"title": ""}),
    ("POST", "/rules/{rule}/active", ADMIN, {}),
    ("GET", "/rules/import", ADMIN, None),
    ("POST", "/rules/import", ADMIN, {}),
    ("GET", "/admin/rules/new", ADMIN, None),
    ("POST", "/admin/rules/new", ADMIN, {"code": ""}),
    ("GET", "/admin/rules/export.xlsx", REVIEWERS, None),
    ("GET", "/admin/rules/template.xlsx", ADMIN, None),
    ("GET", "/village/expiry", ADMIN, None),
    ("POST", "/village/expiry", ADMIN, {"mode": "bogus"}),
    # -- pages: awards — hosts report, admin/supervisor review, residents object/claim --
    # (object/claim: residents of the village; a staff login without a resident record is
    # refused — a staff member who is also a villager has a resident record)
    ("GET", "/awards/report", HOSTS, None),
    ("POST", "/awards/report", HOSTS, {"resident_id": ""}),
    ("GET", "/admin/awards/bulk?by=search&q=李", HOSTS, None),
    ("POST", "/admin/awards/bulk", HOSTS, {"rule_id": ""}),
    ("GET", "/awards/review", REVIEWERS, None),
    ("POST", "/awards/{award}/approve", REVIEWERS, {}),
    ("POST", "/awards/{award}/reject", REVIEWERS, {"reason": ""}),
    ("GET", "/awards/objections", REVIEWERS, None),
    ("POST", "/objections/{objection}/decide", REVIEWERS, {"reason": ""}),
    ("GET", "/board", ALL, None),
    ("GET", "/awards/{published}/object", RESIDENT, None),
    ("POST", "/awards/{published}/object", RESIDENT, {"reason": ""}),
    ("GET", "/claims/new", RESIDENT, None),
    ("POST", "/claims/new", RESIDENT, {"note": ""}),
    # -- pages: ledger — corrections by the committee, verification for the supervisor --
    ("GET", "/ledger/correct", ADMIN, None),
    ("POST", "/ledger/correct", ADMIN, {"entry_id": ""}),
    ("GET", "/ledger/verify", REVIEWERS, None),
    # -- pages: events and check-in (hosts run them; staff read attendance) -------------
    ("GET", "/host/events", STAFF, None),
    ("GET", "/host/events/new", HOSTS, None),
    ("POST", "/host/events/new", HOSTS, {"title": ""}),
    ("GET", "/host/events/{event}", STAFF, None),
    ("POST", "/host/events/{event}/open", HOSTS, {}),
    ("POST", "/host/events/{event}/close", HOSTS, {}),
    ("POST", "/host/events/{event}/attendance/{attendance}/undo", HOSTS, {"reason": ""}),
    ("GET", "/host/events/{event}/scan", HOSTS, None),
    ("GET", "/host/events/{event}/projector", HOSTS, None),
    ("GET", "/host/events/{event}/code.png", HOSTS, None),
    ("GET", "/host/events/{event}/attendance.csv", STAFF, None),
    ("GET", "/host/events/{event}/attendance.xlsx", STAFF, None),
    ("GET", "/host/cards", HOSTS, None),  # printable card sheet
    # my card: any user with a resident record (others get 404, not a card)
    ("GET", "/me/card", ALL, None),
    ("GET", "/c/{payload}", RESIDENT, None),  # the projector's rotating event code
    ("POST", "/c/{payload}", RESIDENT, {}),
    # -- pages: 积分超市 ----------------------------------------------------------------
    ("GET", "/shop/catalogue", ALL, None),
    ("GET", "/shop/thanks", ALL, None),  # public thank-you list
    ("GET", "/shop/items/{item}/photo", ALL, None),
    ("GET", "/shop/counter", COUNTER, None),
    ("POST", "/shop/counter", COUNTER, {"card": "12-00000"}),  # a card comes in the body
    ("POST", "/shop/counter/{household}", COUNTER, {}),
    ("GET", "/shop/orders/{order}", STAFF, None),  # staff; the household (OWN_ONLY)
    # void: by an admin; an earlier day's order needs the supervisor (issue 5)
    ("POST", "/shop/orders/{order}/void", REVIEWERS, {"reason": ""}),
    # a clerk asks for a void; the admins and supervisors decline a request (issue 18)
    ("POST", "/shop/orders/{order}/void-request", VOID_ASKERS, {"reason": ""}),
    ("GET", "/shop/void-requests", VOID_ASKERS, None),
    ("POST", "/shop/void-requests/{void_request}/decline", REVIEWERS, {"note": ""}),
    ("GET", "/shop/items", STAFF, None),
    ("GET", "/shop/items/new", ADMIN, None),
    ("POST", "/shop/items/new", ADMIN, {"name": ""}),
    ("GET", "/shop/items/{item}/edit", ADMIN, None),
    ("POST", "/shop/items/{item}/edit", ADMIN, {"name": ""}),
    ("GET", "/shop/items/{item}/stock", COUNTER, None),
    ("POST", "/shop/items/{item}/stock", COUNTER, {"delta": ""}),
    ("GET", "/shop/stocktake", COUNTER, None),
    ("POST", "/shop/stocktake", COUNTER, {"bogus": "x"}),
    ("GET", "/shop/donations", STAFF, None),
    ("GET", "/shop/donations/new", COUNTER, None),
    ("POST", "/shop/donations/new", COUNTER, {"donor_name": ""}),
    ("GET", "/shop/daily", {"clerk", "admin", "supervisor"}, None),  # end-of-day check
    ("GET", "/shop/movements", {"clerk", "admin", "supervisor"}, None),  # stocktakes seen
    # -- API: auth, self, households, residents, cards ----------------------------------
    ("GET", "/api/v1/me", ALL, None),
    ("DELETE", "/api/v1/auth/token", ALL, None),
    ("GET", "/api/v1/households", STAFF, None),
    ("GET", "/api/v1/households/{household}", STAFF, None),
    ("GET", "/api/v1/households/{household}/ledger", STAFF, None),
    ("POST", "/api/v1/residents", ADMIN, {"household_number": "", "name": ""}),
    ("POST", "/api/v1/residents/import", ADMIN, {}),  # multipart `file`: none here, 400
    ("GET", "/api/v1/exports/{kind}.xlsx?from=2026-11-01&to=2026-11-30", REVIEWERS, None),
    ("GET", "/api/v1/residents/{resident}/card", STAFF, None),
    ("GET", "/api/v1/residents/{resident}/card.png", STAFF, None),
    ("GET", "/api/v1/residents/{resident}/card.svg", STAFF, None),
    ("POST", "/api/v1/residents/{resident}/card/reissue", ADMIN, {}),
    ("POST", "/api/v1/cards/resolve", SCANNERS, {}),
    # -- API: rules and village settings --------------------------------------------------
    ("GET", "/api/v1/rules", ALL, None),
    ("POST", "/api/v1/rules", ADMIN, {"code": ""}),
    ("GET", "/api/v1/rules/{rule}", ALL, None),
    ("POST", "/api/v1/rules/{rule}/revise", ADMIN, {}),
    ("POST", "/api/v1/rules/{rule}/active", ADMIN, {}),
    ("GET", "/api/v1/village/points-settings", ALL, None),
    ("POST", "/api/v1/village/expiry", ADMIN, {}),
    # -- API: awards, claims, objections, corrections -------------------------------------
    ("POST", "/api/v1/awards", HOSTS, {}),
    ("POST", "/api/v1/awards/bulk", HOSTS, {}),
    ("GET", "/api/v1/awards", STAFF, None),
    ("GET", "/api/v1/awards/mine", ALL, None),  # staff without a household: empty list
    ("GET", "/api/v1/awards/board", ALL, None),  # 积分公示
    ("GET", "/api/v1/awards/{award}", STAFF, None),
    ("GET", "/api/v1/awards/{award}/evidence", STAFF, None),
    ("POST", "/api/v1/awards/{award}/approve", REVIEWERS, {}),
    ("POST", "/api/v1/awards/{award}/reject", REVIEWERS, {}),
    ("POST", "/api/v1/awards/{published}/objections", RESIDENT, {}),
    ("POST", "/api/v1/claims", RESIDENT, {}),
    ("GET", "/api/v1/objections", REVIEWERS, None),  # the open queue is the default
    ("GET", "/api/v1/objections?status=open", REVIEWERS, None),
    ("GET", "/api/v1/objections?status=mine", ALL, None),  # the objector follows theirs
    ("POST", "/api/v1/objections/{objection}/decide", REVIEWERS, {}),
    ("POST", "/api/v1/ledger/entries/{entry}/correct", ADMIN, {}),
    ("GET", "/api/v1/ledger/verify", REVIEWERS, None),
    ("GET", "/api/v1/role-changes", REVIEWERS, None),
    # -- API: events and check-in -----------------------------------------------------------
    ("POST", "/api/v1/events", HOSTS, {}),
    ("GET", "/api/v1/events", STAFF, None),
    ("GET", "/api/v1/events/{event}", STAFF, None),
    ("POST", "/api/v1/events/{event}/open", HOSTS, None),
    ("POST", "/api/v1/events/{event}/close", HOSTS, None),
    ("POST", "/api/v1/events/{event}/checkins", HOSTS, {}),
    ("POST", "/api/v1/events/{event}/checkouts", HOSTS, {}),
    ("POST", "/api/v1/events/{event}/attendance/{attendance}/undo", HOSTS, {}),
    ("GET", "/api/v1/events/{event}/rotating-qr", HOSTS, None),
    ("GET", "/api/v1/events/{event}/residents?q=李", HOSTS, None),  # manual search
    ("GET", "/api/v1/events/{event}/attendance", STAFF, None),
    ("POST", "/api/v1/checkin", RESIDENT, {}),
    # -- API: 积分超市 ---------------------------------------------------------------------
    ("GET", "/api/v1/items", ALL, None),
    ("POST", "/api/v1/items", ADMIN, {}),
    ("PATCH", "/api/v1/items/{item}", ADMIN, {"price": "x"}),
    ("POST", "/api/v1/items/{item}/stock", COUNTER, {}),
    ("POST", "/api/v1/stocktakes", COUNTER, {}),
    ("POST", "/api/v1/donations", COUNTER, {}),
    ("GET", "/api/v1/donations", STAFF, None),
    ("GET", "/api/v1/stock-movements?kind=count", {"clerk", "admin", "supervisor"}, None),
    ("POST", "/api/v1/redemptions", COUNTER, {}),
    ("GET", "/api/v1/redemptions/{order}", STAFF, None),
    ("POST", "/api/v1/redemptions/{order}/void", REVIEWERS, {}),
    ("POST", "/api/v1/redemptions/{order}/void-requests", VOID_ASKERS, {}),
    ("GET", "/api/v1/void-requests", VOID_ASKERS, None),
    ("POST", "/api/v1/void-requests/{void_request}/decline", REVIEWERS, {}),
    # -- pages: deliberation topics (issue 15) -------------------------------------------
    ("GET", "/topics/", ALL, None),
    ("GET", "/topics/new", ALL, None),
    ("POST", "/topics/new", ALL, {"title": ""}),
    ("GET", "/topics/{topic}", ALL, None),
    ("GET", "/topics/{topic}/notice", ALL, None),
    ("GET", "/topics/{topic}/photo", ALL, None),
    ("GET", "/topics/progress/{progress}/photo", ALL, None),
    ("POST", "/topics/{topic}/decide", ADMIN, {"accept": "1", "category": ""}),
    ("POST", "/topics/{topic}/merge", ADMIN, {}),
    ("POST", "/topics/{topic}/research", HOSTS, {"form": "bogus"}),
    ("POST", "/topics/{topic}/result", HOSTS, {"result": ""}),
    ("POST", "/topics/{topic}/publish", ADMIN, {}),
    ("POST", "/topics/{topic}/object", RESIDENT, {"reason": ""}),
    ("POST", "/topics/objections/{topic_objection}/decide", REVIEWERS, {"reason": ""}),
    ("POST", "/topics/{topic}/explanation", REVIEWERS, {"explanation": ""}),
    ("POST", "/topics/{topic}/implement", HOSTS, {"owner": ""}),
    ("POST", "/topics/{topic}/progress", HOSTS, {"note": ""}),
    ("POST", "/topics/{topic}/sign-off", REVIEWERS, {}),
    ("POST", "/topics/{topic}/rate", ALL, {"score": ""}),  # staff rate for a resident
    ("POST", "/topics/{topic}/close-rating", REVIEWERS, {}),
    ("GET", "/topics/visits", STAFF, None),
    ("POST", "/topics/visits", HOSTS, {"household": ""}),
    ("POST", "/topics/visits/{visit}/topic", HOSTS, {}),
    ("GET", "/topics/meetings/new", HOSTS, None),
    ("POST", "/topics/meetings/new", HOSTS, {"starts_at": ""}),
    ("GET", "/topics/settings", ADMIN, None),
    ("POST", "/topics/settings", ADMIN, {"publication_days": "99"}),
    ("GET", "/topics/registers", STAFF, None),
    ("GET", "/topics/registers/{kind}", STAFF, None),
    ("GET", "/topics/registers/{kind}.xlsx", STAFF, None),
    # -- API: deliberation topics (API.md; supervisors advance only to done) ------------
    ("POST", "/api/v1/topics", ALL, {}),
    ("GET", "/api/v1/topics", ALL, None),
    ("GET", "/api/v1/topics/{topic}", ALL, None),
    ("POST", "/api/v1/topics/{topic}/decide", ADMIN, {}),
    ("POST", "/api/v1/topics/{topic}/advance", HOSTS | {"supervisor"}, {}),
    ("POST", "/api/v1/topics/{topic}/research", HOSTS, {"form": "bogus"}),
    ("POST", "/api/v1/topics/{topic}/merge", ADMIN, {}),
    ("POST", "/api/v1/topics/{topic}/progress", HOSTS, {}),
    ("POST", "/api/v1/topics/{topic}/ratings", ALL, {}),
    ("POST", "/api/v1/topics/{topic}/ratings/close", REVIEWERS, None),
    ("POST", "/api/v1/topics/{topic}/objections", RESIDENT, {}),
    ("POST", "/api/v1/topic-objections/{topic_objection}/decide", REVIEWERS, {}),
    ("POST", "/api/v1/meetings", HOSTS, {}),
    ("GET", "/api/v1/village/deliberation-settings", ALL, None),
    ("POST", "/api/v1/village/deliberation-settings", ADMIN, {"publication_days": 99}),
    ("POST", "/api/v1/visits", HOSTS, {}),
    ("GET", "/api/v1/visits", STAFF, None),
    ("POST", "/api/v1/visits/{visit}/topic", HOSTS, None),
    # -- pages: who deliberates (bodies, representatives, meetings of a kind, 四议两公开) -
    ("GET", "/deliberation/", STAFF, None),
    ("POST", "/deliberation/bodies", ADMIN, {"kind": "bogus"}),
    ("GET", "/deliberation/bodies/{body}", ALL, None),
    ("GET", "/deliberation/bodies/{body}/sheet", ALL, None),
    ("POST", "/deliberation/bodies/{body}/rules", ADMIN, {"rules_text": "规程"}),
    ("POST", "/deliberation/bodies/{body}/members", ADMIN, {"role": "bogus"}),
    ("POST", "/deliberation/bodies/{body}/members/{body_member}/leave", ADMIN, {}),
    ("POST", "/deliberation/talents", ADMIN, {}),
    ("GET", "/deliberation/representatives", ALL, None),
    ("POST", "/deliberation/representatives/terms", ADMIN, {}),
    ("POST", "/deliberation/representatives/terms/{term}/end", ADMIN, {}),
    ("POST", "/deliberation/representatives/terms/{term}/nominate", ADMIN, {}),
    ("POST", "/deliberation/representatives/nominations/{nomination}/sign", HOSTS, {}),
    ("POST", "/deliberation/representatives/nominations/{nomination}/confirm", ADMIN, {}),
    ("GET", "/deliberation/meetings/new", HOSTS, None),
    ("POST", "/deliberation/meetings/new", HOSTS, {"starts_at": ""}),
    ("GET", "/deliberation/meetings/{kind_meeting}", STAFF, None),
    ("GET", "/deliberation/meetings/{kind_meeting}/quorum.json", STAFF, None),
    ("POST", "/deliberation/meetings/{kind_meeting}/items/{agenda_item}/count", HOSTS, {}),
    ("POST", "/deliberation/meetings/{kind_meeting}/duty", HOSTS, {}),
    ("POST", "/deliberation/topics/{topic}/chain", ADMIN, {"category": "bogus"}),
    ("GET", "/deliberation/chains/{chain}", ALL, None),
    ("POST", "/deliberation/chains/{chain}/stages", ADMIN, {"stage": "review"}),
    ("POST", "/deliberation/topics/{topic}/escalate", ADMIN, {}),
    ("GET", "/deliberation/county/escalations", COUNTY, None),
    ("POST", "/deliberation/county/escalations/{escalation}/answer", COUNTY, {}),
    # -- API: deliberation II (bodies, representatives, meetings of a kind, 四议两公开) -----
    ("GET", "/api/v1/deliberation/bodies", ALL, None),
    ("POST", "/api/v1/deliberation/bodies", ADMIN, {}),
    ("GET", "/api/v1/deliberation/bodies/{body}", ALL, None),
    ("PATCH", "/api/v1/deliberation/bodies/{body}", ADMIN, {"name": ""}),
    ("POST", "/api/v1/deliberation/bodies/{body}/members", ADMIN, {}),
    ("POST", "/api/v1/deliberation/bodies/{body}/members/{body_member}/leave", ADMIN, {}),
    ("GET", "/api/v1/deliberation/talents", STAFF, None),
    ("POST", "/api/v1/deliberation/talents", ADMIN, {}),
    ("GET", "/api/v1/deliberation/terms", ALL, None),
    ("POST", "/api/v1/deliberation/terms", ADMIN, {}),
    ("GET", "/api/v1/deliberation/terms/{term}/nominations", STAFF, None),
    ("POST", "/api/v1/deliberation/terms/{term}/nominations", ADMIN, {}),
    ("POST", "/api/v1/deliberation/terms/{term}/end", ADMIN, None),
    ("POST", "/api/v1/deliberation/nominations/{nomination}/signatures", HOSTS, {}),
    ("POST", "/api/v1/deliberation/nominations/{nomination}/confirm", ADMIN, {}),
    ("POST", "/api/v1/deliberation/meetings", HOSTS, {}),
    ("GET", "/api/v1/deliberation/meetings", STAFF, None),
    ("GET", "/api/v1/deliberation/meetings/{kind_meeting}", STAFF, None),
    ("POST", "/api/v1/deliberation/meetings/{kind_meeting}/items/{agenda_item}/count", HOSTS, {}),
    (
        "POST",
        "/api/v1/deliberation/meetings/{kind_meeting}/items/{agenda_item}/ballots/open",
        HOSTS,
        None,
    ),
    ("POST", "/api/v1/deliberation/meetings/{kind_meeting}/items/{agenda_item}/ballots", HOSTS, {}),
    (
        "POST",
        "/api/v1/deliberation/meetings/{kind_meeting}/items/{agenda_item}/ballots/close",
        HOSTS,
        {},
    ),
    ("POST", "/api/v1/deliberation/meetings/{kind_meeting}/duty", HOSTS, None),
    ("GET", "/api/v1/deliberation/participation", STAFF, None),
    ("GET", "/api/v1/deliberation/settings", ALL, None),
    ("POST", "/api/v1/deliberation/settings", ADMIN, {"passing": [3, 2]}),
    ("POST", "/api/v1/deliberation/topics/{topic}/chain", ADMIN, {}),
    ("GET", "/api/v1/deliberation/chains/{chain}", ALL, None),
    ("POST", "/api/v1/deliberation/chains/{chain}/stages", ADMIN, {}),
    ("POST", "/api/v1/deliberation/topics/{topic}/escalations", ADMIN, {}),
    ("GET", "/api/v1/deliberation/topics/{topic}/escalations", STAFF, None),
    # -- pages: the county officer's table (县/镇 汇总表) ---------------------------------
    ("GET", "/county", COUNTY, None),
    ("GET", "/county?month=2026-01&sort=held&dir=desc", COUNTY, None),
    ("GET", "/county/export.xlsx", COUNTY, None),
    # -- 户积分公示, board settings and fair access (the board itself is PUBLIC) ----------
    ("GET", "/postings", REVIEWERS, None),
    ("POST", "/postings", ADMIN, {"month": "bogus"}),
    ("GET", "/postings/{posting}", REVIEWERS, None),
    ("GET", "/postings/{posting}.xlsx", REVIEWERS, None),
    ("POST", "/board/settings", ADMIN, {"deductions": "bogus"}),
    ("GET", "/fair-access", STAFF, None),
    ("POST", "/api/v1/postings", ADMIN, {"month": "bogus"}),
]

# Rows where a resident may see only their own household's objects: the matrix's resident
# lives in another household, so these answer 404 (not 403) to them.
OWN_ONLY = {
    "/api/v1/households/{household}",
    "/api/v1/households/{household}/ledger",
    "/api/v1/residents/{resident}/card",
    "/api/v1/residents/{resident}/card.png",
    "/api/v1/residents/{resident}/card.svg",
    "/api/v1/awards/{award}",
    "/api/v1/awards/{award}/evidence",
    "/api/v1/redemptions/{order}",
    "/shop/orders/{order}",
}

# Routes open to anyone (no login), and routes checked elsewhere.
PUBLIC = {
    "/login",
    "/logout",
    "/",
    "/lang/<lang>",
    "/static/<path:filename>",
    "/host/sw.js",  # the scanning page's service worker: code only, no data
    "/me/sw.js",  # the card page's service worker: code only, no data
    "/manifest.webmanifest",  # the web app manifest: names and icons
    "/api/v1/auth/token",
    "/api/v1/openapi.json",
    "/api/v1/docs",
    # the public board (村务公开栏) and its code check: tested in test_public_board.py
    "/v/<code>",
    "/v/<code>/qr",
    "/v/<code>/verify",
    "/api/v1/public/villages/<code>/board",
    "/api/v1/public/villages/<code>/postings/verify",
    "/healthz",  # monitoring: anyone (no data but the backup's age)
    "/readyz",
    "/favicon.ico",  # a redirect to the icon
}

SECRET = "test-key"  # the app fixture's SECRET_KEY: signs cards and event codes
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _rule(session, village, code, title, category, points, **flags):
    terms = rules.clean_terms(
        {"title": title, "category": category, "points": points, "unit": "per_time", **flags}
    )
    return rules.create_rule(
        session,
        village_id=village.id,
        code=code,
        terms=terms,
        effective_from=now().date() - timedelta(days=30),
        by_id=None,
    )


@pytest.fixture
def world(app, tmp_path, session, village, make_household, make_resident, make_user):
    """One village with a real object behind every path placeholder.

    The matrix's resident user lives in household 5002, so the objects of household 5001
    (李秀英's award, card and order) are "someone else's" to them: OWN_ONLY rows answer 404.
    """
    app.config["UPLOAD_FOLDER"] = str(tmp_path)
    household = make_household(village, "5001")
    resident = make_resident(village, household, name="李秀英")
    neighbour = make_resident(village, make_household(village, "5002"), name="王小明")
    someone = make_user(village, roles=["host"])
    users = {
        role: make_user(village, roles=[role], resident=neighbour if role == "resident" else None)
        for role in sorted(ALL)
    }
    meeting = _rule(session, village, "YS01", "参加议事协商会", "议事协商", 5)
    good_deed = _rule(session, village, "XL01", "孝老爱亲", "孝老爱亲", 10, claimable=True)
    # an award pending review, and one published (approved) with an open objection
    pending = awards.create_award(
        session,
        village=village,
        rule=good_deed,
        resident=resident,
        by=someone,
        note="照顾老人",
        evidence_path=evidence.store(tmp_path, PNG),
    )
    published = awards.create_award(
        session, village=village, rule=good_deed, resident=resident, by=someone, note="送医"
    )
    awards.approve(session, published, by=users["supervisor"])
    objection = awards.object_to(session, published, by=users["resident"], reason="没看到")
    # an open meeting and 李秀英's attendance (its award is a ledger entry)
    start = now() - timedelta(minutes=30)
    event = events.create_event(
        session,
        village_id=village.id,
        title="十一月议事协商会",
        kind="meeting",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        rule_id=meeting.id,
        by_id=None,
    )
    events.open_event(session, event, by_id=None)
    checkin = events.check_in(
        session, event=event, resident=resident, method=CheckinMethod.MANUAL, by_id=someone.id
    )
    # points to spend, an item on the shelf and an order at the counter
    ledger.post(session, household_id=household.id, amount=100, kind=EntryKind.AWARD)
    item = catalogue.create_item(
        session,
        village_id=village.id,
        data={"name": "食用油", "unit": "桶", "price": 30},
        stock=5,
        by_id=None,
    )
    photos.set_photo(session, item, PNG, tmp_path, by_id=None)
    order = orders.redeem(
        session,
        village_id=village.id,
        household_id=household.id,
        lines=[{"item_id": item.id, "quantity": 1}],
        clerk_id=users["clerk"].id,
    )
    entry = session.scalars(
        select(LedgerEntry).where(LedgerEntry.household_id == household.id).limit(1)
    ).one()
    void_request = voids.request_void(
        session, village=village, order_id=order.id, reason="拿错了", by=users["clerk"]
    )
    payload, _expires_in = events.rotating_payload(SECRET, event)
    deliberation = _topics(session, village, users, resident, household)
    county = counties.create_county(session, code="xian", name="某县")
    counties.attach_village(session, county, village)
    posting = postings.create_posting(
        session, village=village, month_text=now().strftime("%Y-%m"), by_id=None
    )
    users["county"] = counties.create_officer(
        session, county=county, username="county-officer", password="secret-pass-1"
    )
    session.commit()
    return {
        "household": household.id,
        "resident": resident.id,
        "user": someone.id,
        "rule": good_deed.id,
        "kind": "ledger",  # an export (API.md: Roster import and exports)
        "award": pending.id,
        "published": published.id,
        "objection": objection.id,
        "event": event.id,
        "attendance": checkin.attendance.id,
        "entry": entry.id,
        "item": item.id,
        "order": order.id,
        "void_request": void_request.id,
        "posting": posting.id,
        "payload": payload,
        "users": users,
        **deliberation,
    }


def _topics(session, village, users, resident, household) -> dict:
    """A collected topic, a posted one with the resident's objection, a progress note and a
    visit: the objects behind the deliberation rows."""
    from points.deliberation import results, screening, topics, visits
    from points.deliberation.models import TopicProgress
    from points.users import create_user

    second = create_user(
        session,
        username="second-admin",
        password="secret-pass-1",
        village_id=village.id,
        roles=["admin"],
    )
    admin, me = users["admin"], users["resident"]
    topic = topics.submit(session, village=village, by=me, title="路灯不亮")
    posted = topics.submit(session, village=village, by=me, title="修桥", size="small")
    screening.decide(
        session,
        posted,
        village=village,
        by=admin,
        accept=True,
        category="公共事务、公共环境、公益事业",
    )
    results.decide_result(
        session, posted, by=admin, result="修桥", note="小事", cosigner_id=second.id
    )
    results.publish(session, posted, by=admin)
    objection = results.object_to(session, posted, by=me, reason="太贵")
    note = TopicProgress(topic_id=posted.id, note="进展", photo_path=None)
    session.add(note)
    visit = visits.log_visit(
        session, village=village, by=users["host"], household_id=household.id, raised="院墙开裂"
    )
    session.flush()
    return {
        **_deliberation_two(session, village, admin, resident, topic),
        "topic": topic.id,
        "topic_objection": objection.id,
        "progress": note.id,
        "visit": visit.id,
        "kind": "meetings",
    }


def _deliberation_two(session, village, admin, resident, topic) -> dict:
    """A body with a member, a term with a nomination, a meeting of a kind with the topic on
    its agenda, and a 四议两公开 chain: the objects behind the deliberation II rows."""
    from points.deliberation import (
        bodies,
        chain,
        escalations,
        meeting_settings,
        meetings,
        representatives,
        results,
        screening,
    )

    screening.decide(
        session,
        topic,
        village=village,
        by=admin,
        accept=True,
        category="公共事务、公共环境、公益事业",
    )
    body = bodies.create_body(session, village=village, by=admin, kind="deliberation")
    member = bodies.add_member(
        session, body, by=admin, role="member", resident_id=resident.id, term_start="2026-01-01"
    )
    term = representatives.create_term(
        session, village=village, by=admin, name="届", starts_on="2026-01-01", ends_on="2030-12-31"
    )
    nomination = representatives.nominate(session, term, by=admin, resident_id=resident.id)
    meeting_settings.update(
        session, village_id=village.id, by=admin, households_per_representative=1
    )
    start = now() - timedelta(minutes=30)
    rule = session.get(Rule, session.scalar(select(Rule.id).where(Rule.village_id == village.id)))
    meeting = meetings.create(
        session,
        village=village,
        by=admin,
        kind="deliberation",
        topic_ids=[topic.id],
        title="议事协商会议",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        rule_id=rule.id,
    )
    item = results.agenda(session, meeting.event_id)[0]
    c = chain.start(session, topic, by=admin, category="项目建设")
    escalation = escalations.escalate(session, topic, by=admin, level="county", reason="跨村")
    return {
        "escalation": escalation.id,
        "body": body.id,
        "body_member": member.id,
        "term": term.id,
        "nomination": nomination.id,
        "kind_meeting": meeting.id,
        "agenda_item": item.id,
        "chain": c.id,
    }


def _call(client, method, path, body, headers=None):
    if path.startswith("/api/"):
        return client.open(
            path, method=method, json=body if method != "GET" else None, headers=headers
        )
    return client.open(path, method=method, data=body, headers=headers)


def _check(row, url, r, role, allowed):
    """The problem with one answer, or None."""
    method, path = row[0], row[1]
    if role is None:
        if url.startswith("/api/"):
            ok = r.status_code == 401 and r.is_json and r.json["error"] == "unauthorized"
        else:
            ok = r.status_code == 302 and "/login" in r.location
    elif r.status_code >= 500:
        ok = False
    elif role in allowed:
        ok = r.status_code not in (401, 403)
    elif role == "resident" and path in OWN_ONLY:
        ok = r.status_code == 404
    else:
        ok = r.status_code == 403
    return None if ok else f"{method} {path} as {role or 'anonymous'}: {r.status_code}"


def test_role_matrix(app, connection, world, token_for):
    """Every row for anonymous callers and each role, each row in a rolled-back savepoint
    (one world, one client per role: the whole matrix runs in a few seconds)."""
    anonymous = app.test_client()
    clients, tokens = {}, {}
    for role, user in world["users"].items():
        clients[role] = app.test_client()
        r = clients[role].post(
            "/login", data={"username": user.username, "password": "secret-pass-1"}
        )
        assert r.status_code == 302, role
        tokens[role] = token_for(user)
    problems = []
    for row in ROUTES:
        method, path, allowed, body = row
        assert allowed <= ALL | COUNTY, row
        url = path.format(**world)
        for role in [None, *sorted(ALL | COUNTY)]:
            savepoint = connection.begin_nested()
            try:
                if role is None:
                    r = _call(anonymous, method, url, body)
                else:
                    headers = tokens[role] if url.startswith("/api/") else None
                    r = _call(clients[role], method, url, body, headers)
            finally:
                savepoint.rollback()
            problem = _check(row, url, r, role, allowed)
            r.close()  # a photo is a file response
            if problem:
                problems.append(problem)
    assert not problems, "\n".join(problems)


def _shape(path: str) -> str:
    """A route or a row path with its placeholders and query string blanked out."""
    return re.sub(r"<[^>]+>|\{[^}]+\}", "{}", path.split("?", 1)[0])


def test_every_route_is_in_the_matrix(app):
    """Every route has a row, and every row a route (a misspelt row would pass unseen)."""
    listed = {(m, _shape(p)) for m, p, _a, _b in ROUTES}
    routes = set()
    missing = []
    for rule in app.url_map.iter_rules():
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            routes.add((method, _shape(rule.rule)))
            if rule.rule not in PUBLIC and (method, _shape(rule.rule)) not in listed:
                missing.append(f"{method} {rule.rule}")
    assert not missing, missing
    assert not listed - routes, sorted(listed - routes)


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


def test_resident_sees_own_objects(app, world, make_user, village, session, token_for, login):
    """The other side of OWN_ONLY: 李秀英 herself reads her card, award, evidence and order."""
    li = make_user(
        village, roles=[Role.RESIDENT], resident=session.get(Resident, world["resident"])
    )
    api, h, page = app.test_client(), token_for(li), login(li, app.test_client())
    for path in sorted(OWN_ONLY):
        url = path.format(**world)
        r = api.get(url, headers=h) if url.startswith("/api/") else page.get(url)
        assert r.status_code == 200, url
        r.close()
