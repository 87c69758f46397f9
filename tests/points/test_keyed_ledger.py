"""The ledger's chains are keyed: an edit recomputed without the key is caught; chains from
before the key (plain SHA-256) still verify up to their sealed anchor."""

import pytest

from points import ledger
from points.board_models import LedgerAnchor
from points.models import EntryKind
from tests.ledgerutil import edit_amount, hmac_under, plain_sha256


@pytest.fixture
def household(make_household, village):
    return make_household(village, "1001")


def post(session, household, amount, kind=EntryKind.AWARD):
    return ledger.post(session, household_id=household.id, amount=amount, kind=kind)


def kinds(report):
    return [(p.entry_id, p.kind) for p in report.problems]


def test_new_entries_are_hmac_under_the_ledger_key(session, household):
    first = post(session, household, 5)
    assert first.hash != plain_sha256(first.prev_hash, ledger.canonical(first))
    assert first.hash == hmac_under(ledger.subkey("chain"))(
        first.prev_hash, ledger.canonical(first)
    )
    assert ledger.verify(session).ok


@pytest.mark.parametrize(
    "hasher",
    [plain_sha256, hmac_under(b"test-ledger-key"), hmac_under(b"a guessed key")],
    ids=["plain-sha256", "the-raw-key-unsubkeyed", "guessed-key"],
)
def test_an_edit_recomputed_without_the_key_is_caught(session, household, hasher):
    post(session, household, 5)
    edited = post(session, household, 20)
    post(session, household, -10, EntryKind.REDEMPTION)
    session.commit()
    assert ledger.verify(session).ok
    edit_amount(session, edited.id, 200, hasher)  # chain, balances and head all recomputed
    report = ledger.verify(session)
    assert not report.ok
    # Every entry rehashed without the key fails, from the edited one on: the first is named.
    assert report.problems[0].kind == "hash_mismatch"
    assert {p.kind for p in report.problems} == {"hash_mismatch"}


def _legacy_chain(session, household, monkeypatch, amounts):
    """Entries written as the code did before the key: plain SHA-256."""
    with monkeypatch.context() as m:
        m.setattr(ledger, "_hash", ledger._plain_hash)
        return [post(session, household, a) for a in amounts]


def test_chains_from_before_the_key_verify_once_sealed(session, household, monkeypatch):
    old = _legacy_chain(session, household, monkeypatch, [5, 7])
    unsealed = ledger.verify(session)
    assert kinds(unsealed) == [(old[0].id, "hash_mismatch"), (old[1].id, "hash_mismatch")]
    assert ledger.anchor_legacy_chains(session.connection()) == 1
    assert ledger.anchor_legacy_chains(session.connection()) == 0  # once per household
    new = post(session, household, 3)  # keyed, continuing the plain chain
    assert new.prev_hash == old[1].hash
    report = ledger.verify(session)
    assert report.ok, report.problems
    assert report.entries == 3 and household.balance == 15


def test_a_legacy_entry_edited_and_rehashed_plain_is_caught_at_the_seal(
    session, household, monkeypatch
):
    old = _legacy_chain(session, household, monkeypatch, [5, 7])
    ledger.anchor_legacy_chains(session.connection())
    session.commit()
    edit_amount(session, old[0].id, 50, plain_sha256)  # no later entry: only the seal knows
    report = ledger.verify(session)
    assert kinds(report) == [(old[1].id, "hash_mismatch")]


def test_a_keyed_entry_cannot_pass_as_a_legacy_one(session, household, monkeypatch):
    _legacy_chain(session, household, monkeypatch, [5])
    ledger.anchor_legacy_chains(session.connection())
    keyed = post(session, household, 7)
    session.commit()
    edit_amount(session, keyed.id, 70, plain_sha256)
    assert kinds(ledger.verify(session)) == [(keyed.id, "hash_mismatch")]


def test_a_forged_or_removed_seal_is_caught(session, household, monkeypatch):
    old = _legacy_chain(session, household, monkeypatch, [5])
    ledger.anchor_legacy_chains(session.connection())
    anchor = session.get(LedgerAnchor, household.id)
    anchor.seq = 2  # pretend a keyed entry was plain
    session.flush()
    report = ledger.verify(session)
    assert [p.kind for p in report.problems] == ["hash_mismatch", "hash_mismatch"]
    assert report.problems[0].detail == "legacy anchor seal"
    session.delete(anchor)
    session.flush()
    assert kinds(ledger.verify(session)) == [(old[0].id, "hash_mismatch")]
