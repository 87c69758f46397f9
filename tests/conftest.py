"""Fixtures: an app bound to one connection whose transaction is rolled back after each test.

Concurrency tests use ``real_db`` instead: a separate, migrated database where requests
really commit; they isolate themselves by creating their own village.
"""

from __future__ import annotations

import itertools
import os
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from app import create_app
from points import clock, events, ledger, residents, users, villages
from points.db import READ_ONLY, Database, make_engine
from points.models import Role
from tests.dbutil import database_url_for_tests, reset_database
from tests.eventutil import make_event, make_rule

PRODUCTION_PASSWORD_METHOD = users.PASSWORD_METHOD
users.PASSWORD_METHOD = "pbkdf2:sha256:1000"  # fast hashes for tests; production uses scrypt
PASSWORD = "secret-pass-1"
_counter = itertools.count(1)
ledger.set_key(os.environ["LEDGER_KEY"])  # tests/__init__.py sets it; create_app sets it again


class RolledBackDatabase:
    """Looks like :class:`points.db.Database` to the app, but every session joins one
    connection-level transaction (SAVEPOINTs inside), rolled back after the test."""

    def __init__(self, engine, connection) -> None:
        self.engine = engine
        self.connection = connection
        self.is_sqlite = engine.dialect.name == "sqlite"

    def session(self, *, write: bool = True) -> Session:
        return Session(
            bind=self.connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        )

    def dispose(self) -> None:
        pass


@pytest.fixture(scope="session")
def engine():
    url = database_url_for_tests()
    reset_database(url)
    eng = make_engine(url)
    yield eng
    eng.dispose()


@pytest.fixture
def connection(engine):
    conn = engine.connect()
    trans = conn.begin()
    yield conn
    trans.rollback()
    conn.close()


@pytest.fixture
def db(engine, connection):
    return RolledBackDatabase(engine, connection)


@pytest.fixture
def app(db):
    application = create_app(
        {
            "TESTING": True,
            "CUNYUE_DATABASE": db,
            "WTF_CSRF_ENABLED": False,
            "SECRET_KEY": "test-key",
        }
    )
    return application


@pytest.fixture
def csrf_app(db):
    """An app with CSRF protection on, for the tests of CSRF itself."""
    return create_app({"TESTING": True, "CUNYUE_DATABASE": db, "SECRET_KEY": "test-key"})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def session(db):
    s = db.session()
    yield s
    s.close()


@pytest.fixture
def fixed_clock():
    """A clock the test moves by hand: ``fixed_clock.now`` and ``fixed_clock.advance(...)``."""

    class Clock:
        def __init__(self) -> None:
            self.now = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)  # 10:00 in Asia/Shanghai
            self.lock = threading.Lock()

        def __call__(self) -> datetime:
            with self.lock:
                return self.now

        def advance(self, **kw) -> None:
            with self.lock:
                self.now += timedelta(**kw)

    c = Clock()
    clock.set_clock(c)
    yield c
    clock.set_clock(None)


@pytest.fixture
def make_village(session):
    def make(code: str | None = None, **kw):
        n = next(_counter)
        v = villages.create_village(
            session, code=code or f"v{n}", name=kw.pop("name", f"测试村{n}"), **kw
        )
        session.commit()
        return v

    return make


@pytest.fixture
def village(make_village):
    return make_village("home", name="幸福村")


@pytest.fixture
def other_village(make_village):
    return make_village("other", name="邻村")


@pytest.fixture
def open_meeting(session, village, fixed_clock):
    """A village with an open meeting, committed: the rule YS01 (5 points a time), the event
    09:30-11:30 (Asia/Shanghai) on 2 November 2026, opened at the fixed clock's 10:00."""
    event = make_event(session, village, make_rule(session, village, points=5))
    events.open_event(session, event, by_id=None)
    session.commit()
    return event


@pytest.fixture
def make_household(session):
    def make(village, number: str | None = None, group: str | None = "第一组"):
        h = residents.create_household(
            session, village_id=village.id, number=number or f"H{next(_counter)}", group=group
        )
        session.commit()
        return h

    return make


@pytest.fixture
def make_resident(session):
    def make(village, household=None, name: str = "王小明", phone: str | None = None):
        number = household.number if household else f"R{next(_counter)}"
        r = residents.create_resident(
            session, village_id=village.id, household_number=number, name=name, phone=phone
        )
        session.commit()
        return r

    return make


@pytest.fixture
def make_user(session):
    def make(village, roles=(Role.ADMIN,), resident=None, username: str | None = None):
        u = users.create_user(
            session,
            username=username or f"user{next(_counter)}",
            password=PASSWORD,
            village_id=village.id,
            roles=roles,
            resident_id=resident.id if resident else None,
        )
        session.commit()
        return u

    return make


@pytest.fixture
def token_for(session):
    """Bearer headers for a user."""

    def make(user) -> dict[str, str]:
        token, _row = users.issue_token(session, user)
        session.commit()
        return {"Authorization": f"Bearer {token}"}

    return make


@pytest.fixture
def login(client):
    def do(user, c=None):
        c = c or client
        r = c.post("/login", data={"username": user.username, "password": PASSWORD})
        assert r.status_code == 302, r.data
        return c

    return do


@pytest.fixture(scope="session")
def real_db():
    """A separate migrated database whose transactions really commit (concurrency tests)."""
    url = database_url_for_tests("_real")
    reset_database(url)
    database = (
        Database(url, pool_size=30, max_overflow=10) if "postgresql" in url else Database(url)
    )
    yield database
    database.dispose()


__all__ = ["READ_ONLY", "PASSWORD"]


def _closes_its_response(application):
    """``application`` whose response is closed even when the browser drops the connection.

    Werkzeug's development server closes a response only after draining the socket, and that
    drain raises first when the browser has reset the connection (a page left while its
    favicon was still coming down the slow line). The response's open file was then left to
    the garbage collector, whose ResourceWarning fails the test that happened to be running.
    The generator's ``finally`` runs on the normal close and on collection alike.
    """

    def wsgi(environ, start_response):
        response = application(environ, start_response)
        try:
            for chunk in response:  # noqa: UP028 (yield from would close it a second time)
                yield chunk
        finally:
            if hasattr(response, "close"):
                response.close()

    return wsgi


@pytest.fixture(scope="session")
def live_server(real_db):
    """The app served over real HTTP from a thread, on the committed ``real_db`` database."""
    from werkzeug.serving import make_server

    application = create_app(
        {"TESTING": False, "CUNYUE_DATABASE": real_db, "SECRET_KEY": "live-test-key"}
    )
    server = make_server("127.0.0.1", 0, _closes_its_response(application), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    class Live:
        url = f"http://127.0.0.1:{server.server_port}"
        app = application
        db = real_db

    yield Live
    server.shutdown()
    thread.join(timeout=5)


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def playwright_instance():
    import os

    if not os.path.exists(CHROMIUM):
        pytest.fail(
            "Debian's chromium is missing: `make test` installs it (apt-get install chromium)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture
def launch_browser(playwright_instance):
    """Start headless Chromium with extra args (e.g. a fake camera); closed after the test."""
    browsers = []

    def launch(*extra_args: str):
        b = playwright_instance.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS + list(extra_args)
        )
        browsers.append(b)
        return b

    yield launch
    for b in browsers:
        b.close()


@pytest.fixture
def phone_page(launch_browser):
    """A phone-sized page in a fresh browser."""
    browser = launch_browser()
    context = browser.new_context(viewport={"width": 390, "height": 780}, device_scale_factor=2)
    return context.new_page()


def pytest_terminal_summary(terminalreporter):
    try:
        from tests.test_fuzz_api import CASES
    except Exception:  # pragma: no cover
        return
    if CASES["count"]:
        terminalreporter.write_line(f"schemathesis: {CASES['count']} generated API cases checked")
