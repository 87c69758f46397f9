"""Rules one at a time: the new-rule form, the rule book exported in the import's format
(importing it back changes nothing), and the template."""

from datetime import date

from points import rule_import, rules
from points.models import Role
from tests.xlsxutil import read_book

FORM = {
    "code": "HJ-01",
    "title": "清扫门前屋后",
    "category": "环境卫生",
    "points": "5",
    "unit": "per_time",
    "monthly_cap": "20",
    "needs_review": "y",
    "effective_from": "2026-11-01",
    "adopted_ref": "村民代表会议决议",
}


def test_a_rule_made_with_the_form(client, session, village, make_user, login, fixed_clock):
    login(make_user(village, roles=[Role.ADMIN]))
    assert client.get("/admin/rules/new").status_code == 200
    r = client.post("/admin/rules/new", data=FORM)
    assert r.status_code == 302
    rule = rules.get_rule_by_code(session, village.id, "HJ-01")
    v = rule.latest
    assert (v.title, v.points, v.monthly_cap, v.needs_review, v.evidence_required) == (
        "清扫门前屋后",
        5,
        20,
        True,
        False,
    )
    assert v.effective_from == date(2026, 11, 1)
    again = client.post("/admin/rules/new", data=FORM)
    assert again.status_code == 409 and "该细则编号已存在" in again.get_data(as_text=True)
    bad = client.post("/admin/rules/new", data={**FORM, "code": "X2", "points": "0"})
    assert bad.status_code == 400
    assert rules.get_rule_by_code(session, village.id, "X2") is None


def test_the_exported_rule_book_imports_back_unchanged(
    client, session, village, other_village, make_user, login, fixed_clock
):
    for code, title, points, cap in (
        ("A1", "参加村民会议", 2, None),
        ("B2", '=HYPERLINK("http://x","y")', 3, 10),
        ("C3", "乱倒垃圾", -5, None),
    ):
        rules.create_rule(
            session,
            village_id=village.id,
            code=code,
            terms=rules.clean_terms(
                {
                    "title": title,
                    "category": "其他",
                    "points": points,
                    "monthly_cap": cap,
                    "unit": "per_hour" if code == "A1" else "per_time",
                }
            ),
            effective_from=date(2026, 1, 1),
            by_id=None,
        )
    session.commit()
    login(make_user(village, roles=[Role.SUPERVISOR]))
    r = client.get("/admin/rules/export.xlsx")
    assert r.status_code == 200
    sheet = read_book(r.data)
    assert [c.value for c in sheet[1]] == [h for h, _ in rule_import.EXPORT_COLUMNS]
    assert [c.value for c in sheet[2]][:6] == ["A1", "参加村民会议", "其他", 2, "小时", None]
    formula = sheet["B3"]
    assert formula.value == '=HYPERLINK("http://x","y")' and formula.data_type == "s"
    assert [c.value for c in sheet[4]][6:10] == ["否", "是", "否", "否"]  # deductions are reviewed
    same = rule_import.read(session, village.id, r.data)
    assert same.ok and {row.action for row in same.rows} == {"unchanged"}
    elsewhere = rule_import.read(session, other_village.id, r.data)
    assert elsewhere.ok and [row.terms for row in elsewhere.rows] == [
        row.terms for row in same.rows
    ]


def test_the_rule_template_is_the_header_row(client, village, make_user, login):
    login(make_user(village, roles=[Role.ADMIN]))
    sheet = read_book(client.get("/admin/rules/template.xlsx").data)
    assert [c.value for c in sheet[1]] == [h for h, _ in rule_import.EXPORT_COLUMNS]
    assert sheet.max_row == 1
