"""Card tokens: signed, versioned, village-bound."""

import pytest

from points import cards

SECRET = "card-test-secret"


def test_payload_round_trip_and_is_compact(session, village, make_resident):
    r = make_resident(village, name="张建国")
    payload = cards.payload_for(SECRET, r)
    assert payload.startswith("CY1") and len(payload) <= 40
    assert set(payload) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567CY1")  # QR alphanumeric mode
    assert "张" not in payload
    assert cards.resolve(session, SECRET, village.id, payload).id == r.id
    assert cards.resolve(session, SECRET, village.id, payload.lower()).id == r.id
    code = cards.short_code_for(SECRET, r)
    assert cards.resolve(session, SECRET, village.id, code).id == r.id
    assert cards.resolve(session, SECRET, village.id, code.replace("-", " ")).id == r.id


@pytest.mark.parametrize(
    "bad", ["", "hello", "CY1", "CY1AAAA", "CY1" + "A" * 32, "x" * 500, "1-00000"]
)
def test_garbage_is_invalid(session, village, bad):
    with pytest.raises(cards.InvalidCard):
        cards.resolve(session, SECRET, village.id, bad)


def test_forged_other_secret_other_village_and_reissued(
    session, village, other_village, make_resident
):
    r = make_resident(village)
    payload = cards.payload_for(SECRET, r)
    with pytest.raises(cards.InvalidCard):
        cards.resolve(session, "another-secret", village.id, payload)
    with pytest.raises(cards.InvalidCard):
        cards.resolve(session, SECRET, other_village.id, payload)
    tampered = payload[:-1] + ("A" if payload[-1] != "A" else "B")
    with pytest.raises(cards.InvalidCard):
        cards.resolve(session, SECRET, village.id, tampered)
    old_code = cards.short_code_for(SECRET, r)
    cards.reissue(session, r, by_id=None)
    with pytest.raises(cards.InvalidCard):
        cards.resolve(session, SECRET, village.id, payload)
    with pytest.raises(cards.InvalidCard):
        cards.resolve(session, SECRET, village.id, old_code)
    assert cards.resolve(session, SECRET, village.id, cards.payload_for(SECRET, r)).id == r.id


def test_moved_out_resident_card_is_invalid(session, village, make_resident):
    from points import residents

    r = make_resident(village)
    payload = cards.payload_for(SECRET, r)
    residents.set_status(session, r, status="moved_out", by_id=None)
    with pytest.raises(cards.InvalidCard):
        cards.resolve(session, SECRET, village.id, payload)
