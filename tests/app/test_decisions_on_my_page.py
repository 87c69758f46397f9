"""Decisions about a household stand at the top of its residents' page, with the reasons:
a rejected claim, an award withdrawn after an objection, an objection dismissed."""

from points import awards
from points.models import Role, Village
from tests.app import test_award_pages

w = test_award_pages.w  # the award pages' fixture: a village with rules, staff and residents


def _award(session, w, rule, *, by, is_claim=False, note=""):
    award = awards.create_award(
        session,
        village=session.get(Village, w["wang"].village_id),
        rule=w[rule],
        resident=w["wang"],
        by=by,
        is_claim=is_claim,
        note=note,
    )
    session.commit()
    return award


def test_rejections_and_objection_decisions_lead_the_residents_page(
    app, login, session, w, fixed_clock
):
    claim = _award(session, w, "claim", by=w["wang_user"], is_claim=True, note="扫了村道")
    awards.reject(session, claim, by=w["sup"], reason="照片看不出是村道")
    withdrawn = _award(session, w, "flood", by=w["host"], note="防汛")
    awards.approve(session, withdrawn, by=w["sup"])
    kept = _award(session, w, "flood", by=w["host"], note="防汛二")
    awards.approve(session, kept, by=w["sup"])
    session.commit()
    upheld = awards.object_to(session, withdrawn, by=w["li_user"], reason="那天他不在村里")
    dismissed = awards.object_to(session, kept, by=w["li_user"], reason="不该给这么多")
    session.commit()
    awards.decide_objection(session, upheld, by=w["admin"], uphold=True, reason="核实确实不在")
    awards.decide_objection(
        session, dismissed, by=w["admin"], uphold=False, reason="按规则每次十分"
    )
    session.commit()
    # Thirty later entries: the decisions must not sink below them.
    for _ in range(30):
        _award(session, w, "clean", by=w["host"])

    page = login(w["wang_user"], app.test_client()).get("/me").text
    top = page.index('id="decisions"')
    assert top < page.index("积分明细")
    section = page[top : page.index("</section>", top)]
    assert section.count('class="entry') == 3
    assert "申报未通过" in section and "理由：照片看不出是村道" in section
    assert "异议成立，已撤销" in section and "核实确实不在" in section
    assert "异议不成立，积分保留" in section and "按规则每次十分" in section
    # The objection's words are shown, not who made it.
    assert "那天他不在村里" in section and "李秀英" not in section
    # The newest decision first.
    assert section.index("按规则每次十分") < section.index("照片看不出是村道")

    # Another household's page shows none of it.
    other = login(w["li_user"], app.test_client()).get("/me").text
    assert 'id="decisions"' not in other

    # Ninety days on, the decisions have left the top of the page.
    fixed_clock.advance(days=91)
    page = login(w["wang_user"], app.test_client()).get("/me").text
    assert 'id="decisions"' not in page


def test_an_award_with_many_objections_is_one_decision_and_hides_no_other(
    app, login, session, w, fixed_clock, village, make_household, make_resident, make_user
):
    """Upholding one objection closes all of the award's: a dozen objections are one line,
    and the household's other decisions stay listed."""
    from points import decisions

    claim = _award(session, w, "claim", by=w["wang_user"], is_claim=True, note="扫了村道")
    awards.reject(session, claim, by=w["sup"], reason="照片看不出是村道")
    session.commit()
    fixed_clock.advance(hours=1)
    kept = _award(session, w, "flood", by=w["host"], note="防汛一")
    awards.approve(session, kept, by=w["sup"])
    session.commit()
    dismissed = awards.object_to(session, kept, by=w["li_user"], reason="不该给")
    session.commit()
    awards.decide_objection(session, dismissed, by=w["admin"], uphold=False, reason="按规则")
    session.commit()
    fixed_clock.advance(hours=1)
    disputed = _award(session, w, "flood", by=w["host"], note="防汛")
    awards.approve(session, disputed, by=w["sup"])
    session.commit()
    objections = []
    for n in range(12):
        neighbour = make_resident(village, make_household(village, f"20{n:02d}"), f"邻居{n}")
        user = make_user(village, roles=(Role.RESIDENT,), resident=neighbour)
        objections.append(awards.object_to(session, disputed, by=user, reason=f"异议{n}"))
    session.commit()
    fixed_clock.advance(hours=1)
    awards.decide_objection(session, objections[0], by=w["admin"], uphold=True, reason="核实不在")
    session.commit()
    found = decisions.about_household(session, w["h1"].id)
    assert [(d.kind, d.award.id) for d in found] == [
        ("upheld", disputed.id),
        ("dismissed", kept.id),
        ("rejected", claim.id),
    ]
