"""Roster import over HTTP: the API contract (200 counts, 422 invalid_rows, dry run) and the
admin page (template, preview with row errors, mapping, import)."""

import io

from sqlalchemy import func, select

from points.models import Resident, Role
from tests.xlsxutil import HEADER, read_book, sheet_bytes

ROWS = [
    ["A01", "张建国", "男", 1968, "13800000001", "第一组", "户主", "110101196801011234"],
    ["A01", "李秀英", "女", 1970, None, "第一组", "配偶", None],
    ["A02", "王芳", "女", 1980, None, "第二组", "户主", None],
]


def _post(client, headers, data: bytes, **form):
    return client.post(
        "/api/v1/residents/import",
        data={"file": (io.BytesIO(data), "roster.xlsx"), **form},
        headers=headers,
        content_type="multipart/form-data",
    )


def _count(session, village):
    return session.scalar(select(func.count(Resident.id)).where(Resident.village_id == village.id))


def test_api_imports_then_reimport_changes_nothing(
    client, session, village, make_user, token_for, fixed_clock
):
    headers = token_for(make_user(village, roles=[Role.ADMIN]))
    dry = _post(client, headers, sheet_bytes(ROWS), dry_run="1")
    assert dry.status_code == 200
    assert dry.json == {
        "created": 3, "updated": 0, "unchanged": 0, "moved": 0, "left": 0, "errors": []
    }
    assert _count(session, village) == 0
    first = _post(client, headers, sheet_bytes(ROWS))
    assert first.status_code == 200 and first.json["created"] == 3
    again = _post(client, headers, sheet_bytes(ROWS))
    assert again.json == {
        "created": 0, "updated": 0, "unchanged": 3, "moved": 0, "left": 0, "errors": []
    }
    assert _count(session, village) == 3


def test_api_bad_rows_are_422_and_nothing_is_written(
    client, session, village, make_user, token_for, fixed_clock
):
    headers = token_for(make_user(village, roles=[Role.ADMIN]))
    bad = [*ROWS, ["A03", "赵六", "男", "一九九零", None, "第三组", "户主", None]]
    r = _post(client, headers, sheet_bytes(bad))
    assert r.status_code == 422
    assert r.json["error"] == "invalid_rows"
    assert r.json["errors"] == [{"row": 5, "column": "出生年份", "message": "年份，例如 1968"}]
    assert _count(session, village) == 0
    dry = _post(client, headers, sheet_bytes(bad), dry_run="1")
    assert dry.status_code == 422 and dry.json["errors"][0]["row"] == 5
    not_xlsx = _post(client, headers, b"hello")
    assert not_xlsx.status_code == 400


def test_api_refuses_other_roles(client, village, make_user, token_for):
    headers = token_for(make_user(village, roles=[Role.SUPERVISOR]))
    assert _post(client, headers, sheet_bytes(ROWS)).status_code == 403


def test_page_template_preview_and_import(client, session, village, make_user, login, fixed_clock):
    login(make_user(village, roles=[Role.ADMIN]))
    template = client.get("/admin/roster/template.xlsx")
    assert template.status_code == 200
    assert [c.value for c in read_book(template.data)[1]] == HEADER
    other = sheet_bytes(
        [["B1", "周八", "13900000001"]], header=["户编号", "成员姓名", "联系方式"]
    )
    r = client.post(
        "/admin/roster",
        data={"file": (io.BytesIO(other), "r.xlsx")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert "缺少这一列" in page and "成员姓名" in page  # the column can be chosen
    assert '<details class="mapping" open>' in page  # unfolded: a column is what is wrong
    content = page.split('name="content" value="')[1].split('"')[0]
    mapped = client.post(
        "/admin/roster",
        data={"content": content, "map_number": "户编号", "map_name": "成员姓名",
              "map_phone": "联系方式"},
    )
    assert mapped.status_code == 200
    assert "新增：1" in mapped.get_data(as_text=True)
    assert '<details class="mapping">' in mapped.get_data(as_text=True)  # folded away
    assert _count(session, village) == 0
    done = client.post(
        "/admin/roster",
        data={"content": content, "map_number": "户编号", "map_name": "成员姓名",
              "map_phone": "联系方式", "confirm": "1"},
    )
    assert done.status_code == 302
    person = session.scalars(select(Resident).where(Resident.village_id == village.id)).one()
    assert (person.name, person.phone, person.household.number) == ("周八", "13900000001", "B1")


def test_page_with_no_file_is_a_clear_400(client, village, make_user, login):
    login(make_user(village, roles=[Role.ADMIN]))
    r = client.post("/admin/roster", data={})
    assert r.status_code == 400 and "请选择" in r.get_data(as_text=True)


def test_page_with_a_bad_cell_says_the_changes_are_not_known(
    client, session, village, make_user, login, fixed_clock
):
    """A birth year in words stops the reading before the rows are counted: the preview says
    the changes are not known, not "新增：0", which read as if the sheet changed nothing."""
    from tests.dbutil import row_counts

    login(make_user(village, roles=[Role.ADMIN]))
    bad = [*ROWS, ["A03", "赵六", "男", "一九九零", None, "第三组", "户主", None]]
    before = row_counts(session)
    r = client.post(
        "/admin/roster",
        data={"file": (io.BytesIO(sheet_bytes(bad)), "r.xlsx")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert "无法统计这份花名册会新增、迁户或更新多少人" in page
    assert "新增：" not in page and "迁户：" not in page
    assert "年份，例如 1968" in page and 'name="confirm"' not in page
    assert '<details class="mapping">' in page  # the columns are right: folded away
    assert row_counts(session) == before
