"""户积分公示: a posting's code verifies, and stops verifying once an entry behind it is
edited in the database, even with the chain recomputed the way the code does it but
without the ledger key."""

import re
from datetime import UTC, datetime

import pytest

from points import ledger, postings
from points.models import EntryKind, Role
from tests.ledgerutil import edit_amount, hmac_under, plain_sha256

CODE = re.compile(r"^[23456789ABCDEFGHJKMNPQRSTWXYZ]{4}(-[23456789ABCDEFGHJKMNPQRSTWXYZ]{4}){3}$")


@pytest.fixture
def month_of_points(session, village, make_household, make_resident, fixed_clock):
    """October: 30 to 1001. November: 1001 earns 20 and spends 12; 1002 earns 5."""
    h1, h2 = make_household(village, "1001"), make_household(village, "1002")
    make_resident(village, h1, "张建国")
    make_resident(village, h2, "王明")
    ledger.post(
        session, household_id=h1.id, amount=30, kind=EntryKind.AWARD,
        at=datetime(2026, 10, 20, tzinfo=UTC),
    )  # fmt: skip
    ledger.post(session, household_id=h1.id, amount=20, kind=EntryKind.AWARD)
    spend = ledger.post(session, household_id=h1.id, amount=-12, kind=EntryKind.REDEMPTION)
    award = ledger.post(session, household_id=h2.id, amount=5, kind=EntryKind.AWARD)
    session.commit()
    return {"spend": spend, "award": award, "h1": h1}


@pytest.fixture
def admin_headers(village, make_user, token_for):
    return token_for(make_user(village, roles=(Role.ADMIN,)))


def post_month(client, headers, month="2026-11"):
    return client.post("/api/v1/postings", json={"month": month}, headers=headers)


def check(client, code, village_code="home"):
    return client.get(f"/api/v1/public/villages/{village_code}/postings/verify?code={code}")


def test_posting_freezes_the_sheet_and_its_code_verifies(
    client, session, village, month_of_points, admin_headers
):
    r = post_month(client, admin_headers)
    assert r.status_code == 201, r.json
    code = r.json["verification_code"]
    assert CODE.match(code) and r.json["month"] == "2026-11"
    posting = postings.get_posting(session, village.id, r.json["id"])
    assert posting.rows == [
        {"number": "1001", "name": "张*国", "earned": 20, "spent": 12, "balance": 38},
        {"number": "1002", "name": "王*", "earned": 5, "spent": 0, "balance": 5},
    ]
    assert check(client, code).json == {"matches": True, "month": "2026-11"}
    # Read over the phone: lower case, spaces instead of dashes.
    assert check(client, code.lower().replace("-", " ")).json["matches"] is True
    assert check(client, "2345-6789-ABCD-EFGH").json == {"matches": False, "month": None}
    assert check(client, code, "other-village").status_code == 404
    assert check(client, "").status_code == 400
    # Points earned after posting leave the posting as it was.
    ledger.post(session, household_id=month_of_points["h1"].id, amount=3, kind=EntryKind.AWARD)
    session.commit()
    assert check(client, code).json["matches"] is True
    assert post_month(client, admin_headers).json["error"] == "already_posted"


def test_bad_months_are_refused(client, admin_headers, village, fixed_clock, make_user, token_for):
    for month in ("2026-13", "11/2026", "", "2026-12"):  # the clock is in November 2026
        r = post_month(client, admin_headers, month)
        assert r.status_code == 400 and r.json["error"] == "bad_request", month
    clerk = token_for(make_user(village, roles=(Role.CLERK,)))
    assert post_month(client, clerk).status_code == 403
    assert client.post("/api/v1/postings", json={"month": "2026-11"}).status_code == 401


@pytest.mark.parametrize(
    "hasher",
    [plain_sha256, hmac_under(b"test-ledger-key"), hmac_under(b"guessed")],
    ids=["plain-sha256", "raw-key", "guessed-key"],
)
def test_an_edited_amount_breaks_the_code_and_verify_names_the_posting(
    app, client, session, village, month_of_points, admin_headers, make_user, token_for, hasher
):
    code = post_month(client, admin_headers).json["verification_code"]
    posting_id = postings.postings_of(session, village.id)[0].id
    session.commit()
    runner = app.test_cli_runner()
    assert runner.invoke(args=["verify-ledger"]).exit_code == 0
    # The attacker: trigger dropped, amount changed, every hash after it and the household's
    # head and balances recomputed the way the code computes them, but without the key.
    edit_amount(session, month_of_points["spend"].id, -2, hasher)
    session.commit()
    assert check(client, code).json == {"matches": False, "month": "2026-11"}
    out = runner.invoke(args=["verify-ledger"])
    assert out.exit_code == 1
    assert f"PROBLEM posting_mismatch: posting {posting_id} (2026-11)" in out.output
    sup = token_for(make_user(village, roles=(Role.SUPERVISOR,)))
    report = client.get("/api/v1/ledger/verify", headers=sup).json
    assert report["ok"] is False
    mismatches = [p for p in report["problems"] if p["kind"] == "posting_mismatch"]
    assert mismatches == [
        {
            "household_id": None,
            "entry_id": None,
            "kind": "posting_mismatch",
            "detail": f"posting {posting_id} (2026-11)",
            "posting_id": posting_id,
        }
    ]


def test_the_code_catches_an_edit_that_the_chain_alone_would_not(
    client, session, village, month_of_points, admin_headers
):
    """Someone who holds the key may rebuild the chains; a posting already on the wall (and
    its code on paper) still shows the edit, since the code covers the entries themselves."""
    code = post_month(client, admin_headers).json["verification_code"]
    session.commit()
    edit_amount(session, month_of_points["award"].id, 50, ledger._hash)  # the real key
    session.commit()
    assert ledger.verify(session).ok  # the chains were rebuilt with the key
    assert check(client, code).json["matches"] is False
    problems = postings.verify(session, village_id=village.id).problems
    assert [p.kind for p in problems] == ["posting_mismatch"]


def test_the_first_posting_that_no_longer_matches_is_named(
    client, session, village, month_of_points, admin_headers, fixed_clock
):
    october = post_month(client, admin_headers, "2026-10").json
    november = post_month(client, admin_headers, "2026-11").json
    session.commit()
    assert [p.kind for p in postings.verify(session, village_id=village.id).problems] == []
    edit_amount(session, month_of_points["award"].id, 6, plain_sha256)  # a November entry
    session.commit()
    problems = postings.check_postings(session, village_id=village.id)
    # Both postings cover it (October's was posted in November): the first is named.
    assert [p.posting_id for p in problems] == [october["id"]]
    assert check(client, november["verification_code"]).json["matches"] is False


def test_the_a4_sheet_and_the_xlsx(
    client, session, village, make_household, make_resident, make_user, fixed_clock
):
    import io

    from openpyxl import load_workbook

    from tests.conftest import PASSWORD

    h = make_household(village, "1001")
    make_resident(village, h, "=HYPERLINK(1)")  # a name that a spreadsheet would run
    ledger.post(session, household_id=h.id, amount=8, kind=EntryKind.AWARD)
    admin = make_user(village, roles=(Role.ADMIN,))
    session.commit()
    client.post("/login", data={"username": admin.username, "password": PASSWORD})
    r = client.post("/postings", data={"month": "2026-11"})
    assert r.status_code == 303
    sheet = client.get(r.headers["Location"]).get_data(as_text=True)
    posting = postings.postings_of(session, village.id)[0]
    code = postings.format_code(posting.code)
    for text in (
        "幸福村户积分公示",
        "2026年11月",
        "公示期：2026年11月02日至2026年11月09日",
        "幸福村村民委员会",
        "幸福村村务监督委员会",
        code,
        "<svg",
        "data-print",
    ):
        assert text in sheet, text
    assert client.post("/postings", data={"month": "2026-11"}).status_code == 303  # flashed
    assert len(postings.postings_of(session, village.id)) == 1
    book = load_workbook(io.BytesIO(client.get(f"/postings/{posting.id}.xlsx").data))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0] == ("户号", "户主", "本月获得", "本月支出", "月末余额")
    assert rows[1] == ("1001", "=***********)", 8, 0, 8)
    assert rows[-1][:2] == ("核验码", code)
    cell = book.active.cell(row=2, column=2)
    assert cell.data_type == "s"  # text, not a formula
    # Another village's staff cannot open it.
    assert client.get(f"/postings/{posting.id + 999}").status_code == 404


def test_public_code_checks_are_rate_limited_per_address(client, village, fixed_clock):
    for _ in range(60):
        assert check(client, "2345-6789-ABCD-EFGH").status_code == 200
    limited = check(client, "2345-6789-ABCD-EFGH")
    assert limited.status_code == 429 and limited.json["error"] == "rate_limited"
    assert client.get(f"/v/{village.code}/verify?code=X").status_code == 429  # the page too
    assert client.get(f"/v/{village.code}").status_code == 200  # the board itself is not
