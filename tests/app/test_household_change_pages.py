"""The household change page: split, move and merge through the forms; bad input is a 400
that changes nothing."""

from points import ledger, residents
from points.models import EntryKind, Role


def test_split_then_merge_through_the_page(
    client, session, village, make_household, make_resident, make_user, login, fixed_clock
):
    h = make_household(village, "A01")
    make_resident(village, h, name="张建国")
    son = make_resident(village, h, name="张伟")
    ledger.post(session, household_id=h.id, amount=40, kind=EntryKind.AWARD)
    session.commit()
    login(make_user(village, roles=[Role.ADMIN]))
    page = client.get(f"/admin/households/{h.id}/changes")
    assert page.status_code == 200 and "分户" in page.get_data(as_text=True)
    r = client.post(
        f"/admin/households/{h.id}/changes",
        data={
            "kind": "split",
            "resident_ids": [son.id],
            "new_number": "A01-1",
            "points": "10",
            "reason": "张伟成家",
        },
    )
    assert r.status_code == 302
    new = residents.find_household_by_number(session, village.id, "A01-1")
    session.refresh(h)
    assert (h.balance, new.balance) == (30, 10)
    listed = client.get(f"/admin/households/{h.id}/changes").get_data(as_text=True)
    assert "张伟成家" in listed and "A01-1" in listed
    r = client.post(
        f"/admin/households/{new.id}/changes",
        data={"kind": "merge", "target_number": "A01", "reason": "又合户"},
    )
    assert r.status_code == 302
    session.refresh(h)
    session.refresh(new)
    assert (h.balance, new.balance) == (40, 0)
    assert ledger.verify(session, village_id=village.id).ok


def test_bad_input_is_a_400_and_changes_nothing(
    client, session, village, make_household, make_resident, make_user, login
):
    h = make_household(village, "B01")
    person = make_resident(village, h, name="李四")
    login(make_user(village, roles=[Role.ADMIN]))
    r = client.post(
        f"/admin/households/{h.id}/changes",
        data={"kind": "move", "resident_ids": [person.id], "target_number": "NOPE", "reason": "x"},
    )
    assert r.status_code == 400
    r = client.post(
        f"/admin/households/{h.id}/changes",
        data={"kind": "move", "resident_ids": ["abc"], "target_number": "B01", "reason": "x"},
    )
    assert r.status_code == 400
    session.refresh(person)
    assert person.household_id == h.id
