"""Import a rule book (积分细则) from an .xlsx sheet: preview, row-level errors, all or nothing.

The first row holds the headers (Chinese or English). A new code makes a new rule; an
existing code whose terms differ gets a new version from the given effective date; an
unchanged one is left alone. :func:`apply` writes only when no row has an error.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.orm import Session

from points import rules
from points.errors import DomainError, ValidationFailed

MAX_ROWS = 500

# Header text → field name.
HEADERS = {
    "code": "code",
    "编号": "code",
    "代码": "code",
    "title": "title",
    "名称": "title",
    "事项": "title",
    "category": "category",
    "类别": "category",
    "points": "points",
    "分值": "points",
    "积分": "points",
    "unit": "unit",
    "单位": "unit",
    "monthly_cap": "monthly_cap",
    "每月上限": "monthly_cap",
    "evidence_required": "evidence_required",
    "需要证据": "evidence_required",
    "needs_review": "needs_review",
    "需要审核": "needs_review",
    "claimable": "claimable",
    "可申报": "claimable",
    "for_donations": "for_donations",
    "捐赠积分": "for_donations",
    "用于捐赠": "for_donations",
    "adopted_ref": "adopted_ref",
    "依据": "adopted_ref",
}
UNITS = {"次": "per_time", "每次": "per_time", "小时": "per_hour", "每小时": "per_hour"}


class ImportFailed(DomainError):
    code = "import_failed"
    status = 400


@dataclass
class Row:
    number: int  # the sheet's row number
    code: str
    terms: rules.RuleTerms | None
    action: str = ""  # "create", "revise", "unchanged"
    errors: dict[str, str] = field(default_factory=dict)


@dataclass
class Preview:
    rows: list[Row]
    errors: list[str] = field(default_factory=list)  # problems of the sheet as a whole

    @property
    def ok(self) -> bool:
        return not self.errors and all(not r.errors for r in self.rows)


def _cell(value) -> object:
    if isinstance(value, str):
        return value.strip()
    return value


def read(session: Session, village_id: int, data: bytes) -> Preview:
    """Parse and check the sheet against the village's rules; writes nothing."""
    try:
        from openpyxl import load_workbook  # noqa: PLC0415  (13 MB, only for imports)

        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise ValidationFailed({"file": "an .xlsx file"}) from None
    try:
        sheet = book.worksheets[0]
        raw = list(sheet.iter_rows(values_only=True, max_row=MAX_ROWS + 2))
    finally:
        book.close()
    if not raw:
        return Preview([], ["the sheet is empty"])
    columns = [
        HEADERS.get(str(h or "").strip().lower(), HEADERS.get(str(h or "").strip())) for h in raw[0]
    ]
    missing = [f for f in ("code", "title", "category", "points") if f not in columns]
    if missing:
        return Preview([], ["the first row needs the columns code, title, category and points"])
    if len(raw) > MAX_ROWS + 1:
        return Preview([], ["at most 500 rows"])
    existing = {r.code: r for r in rules.list_rules(session, village_id)}
    seen: set[str] = set()
    rows: list[Row] = []
    for number, values in enumerate(raw[1:], start=2):
        record = {col: _cell(v) for col, v in zip(columns, values, strict=False) if col is not None}
        if all(v in (None, "") for v in record.values()):
            continue
        code = str(record.pop("code", "") or "").strip()
        if isinstance(record.get("unit"), str):
            record["unit"] = UNITS.get(record["unit"], record["unit"])
        row = Row(number=number, code=code, terms=None)
        if not rules.CODE_RE.match(code):
            row.errors["code"] = "1-32 letters, digits, - or _"
        elif code in seen:
            row.errors["code"] = "appears twice in the sheet"
        seen.add(code)
        try:
            row.terms = rules.clean_terms(record)
        except ValidationFailed as exc:
            row.errors.update(exc.fields)
        if not row.errors:
            rule = existing.get(code)
            if rule is None:
                row.action = "create"
            elif rules.terms_of(rule.latest) == row.terms:
                row.action = "unchanged"
            else:
                row.action = "revise"
        rows.append(row)
    if not rows:
        return Preview([], ["the sheet is empty"])
    return Preview(rows)


def apply(
    session: Session, village_id: int, data: bytes, *, effective_from: date, by_id: int | None
) -> Preview:
    """Import the sheet; raises :class:`ImportFailed` (nothing written) if any row is wrong."""
    preview = read(session, village_id, data)
    if not preview.ok:
        raise ImportFailed(rows=len(preview.rows))
    for row in preview.rows:
        if row.action == "create":
            rules.create_rule(
                session,
                village_id=village_id,
                code=row.code,
                terms=row.terms,
                effective_from=effective_from,
                by_id=by_id,
            )
        elif row.action == "revise":
            rule = rules.get_rule_by_code(session, village_id, row.code)
            start = max(effective_from, rule.latest.effective_from)
            rules.revise_rule(session, rule, terms=row.terms, effective_from=start, by_id=by_id)
    return preview


# The rule book's columns as :func:`export` writes them and :func:`read` reads them back.
EXPORT_COLUMNS = (
    ("编号", "code"),
    ("名称", "title"),
    ("类别", "category"),
    ("分值", "points"),
    ("单位", "unit"),
    ("每月上限", "monthly_cap"),
    ("需要证据", "evidence_required"),
    ("需要审核", "needs_review"),
    ("可申报", "claimable"),
    ("捐赠积分", "for_donations"),
    ("依据", "adopted_ref"),
)
UNIT_WORDS = {"per_time": "次", "per_hour": "小时"}


def _book(rows: list[list]) -> bytes:
    import io  # noqa: PLC0415

    from openpyxl import Workbook  # noqa: PLC0415

    from points.sheets import xlsx_row  # noqa: PLC0415

    book = Workbook(write_only=True)
    sheet = book.create_sheet("积分细则")
    for row in [[h for h, _ in EXPORT_COLUMNS], *rows]:
        sheet.append(xlsx_row(sheet, row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def template() -> bytes:
    """The empty rule book to download: the header row only."""
    return _book([])


def export(session: Session, village_id: int) -> bytes:
    """The village's rules in force (each one's latest version), in the import's format:
    importing the file again changes nothing."""
    rows = []
    for rule in rules.list_rules(session, village_id, active_only=True):
        v = rule.latest
        rows.append(
            [
                rule.code,
                v.title,
                v.category,
                v.points,
                UNIT_WORDS.get(v.unit.value, v.unit.value),
                v.monthly_cap,
                *(
                    "是" if getattr(v, f) else "否"
                    for f in ("evidence_required", "needs_review", "claimable", "for_donations")
                ),
                v.adopted_ref,
            ]
        )
    return _book(rows)
