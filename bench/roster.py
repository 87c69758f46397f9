"""A 5,000-row roster (村民花名册) imported into an empty village, then imported again.

Target (issue 18): ≤ 10 s for the import. Run alone with ``python -m bench.roster``; ``make
bench`` runs it as a small step of its own on SQLite.
"""

from __future__ import annotations

import io
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy.orm import Session

ROWS = 5000
TARGET_S = 10.0
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "建国秀英伟芳娜敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华"
RELATIONS = ("户主", "配偶", "子", "女")


def roster_bytes(rows: int = ROWS) -> bytes:
    """A roster of ``rows`` people in households of four, eight 村民小组."""
    from openpyxl import Workbook  # noqa: PLC0415

    book = Workbook(write_only=True)
    sheet = book.create_sheet("花名册")
    sheet.append(["户号", "姓名", "性别", "出生年份", "电话", "村民小组", "与户主关系", "身份证号"])
    for i in range(rows):
        household, member = divmod(i, 4)
        name = (
            SURNAMES[household % len(SURNAMES)]
            + GIVEN[i % len(GIVEN)]
            + GIVEN[(i // 7) % len(GIVEN)]
        )
        sheet.append(
            [
                f"H{household + 1:05d}",
                name,
                "男" if i % 2 == 0 else "女",
                1940 + i % 70,
                f"139{i:08d}" if member == 0 else None,
                f"第{household % 8 + 1}组",
                RELATIONS[member],
                f"1101011950010{i:05d}",
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def measure(url: str) -> tuple[float, float, dict]:
    """Seconds for the first import and for the same file again, and the first's counts."""
    from points import roster, villages  # noqa: PLC0415
    from points.db import make_engine  # noqa: PLC0415

    data = roster_bytes()
    engine = make_engine(url)
    with Session(engine) as session:
        village = villages.create_village(session, code="roster", name="花名册村")
        session.commit()
        village_id = village.id
    timings = []
    summary: dict = {}
    for _ in range(2):
        with Session(engine) as session:
            started = time.perf_counter()
            result = roster.apply(session, village_id, data, by_id=None)
            session.commit()
            timings.append(time.perf_counter() - started)
            summary = summary or result.summary()
    engine.dispose()
    return timings[0], timings[1], summary


def run(report, tmp: Path, fresh_database) -> None:
    url = f"sqlite:///{tmp / 'roster.db'}"
    fresh_database(url)
    first, again, summary = measure(url)
    verdict = "meets target" if first <= TARGET_S else "MISSES target"
    report.add(
        "SQLite",
        f"roster import, {ROWS} rows",
        f"{first:.1f} s",
        f"{summary['created']} created",
        "",
        "",
        verdict,
    )
    report.add(
        "SQLite",
        "same roster again",
        f"{again:.1f} s",
        "0 changes",
        "",
        "",
        "meets target" if again <= TARGET_S else "MISSES target",
    )


if __name__ == "__main__":
    from bench.__main__ import Report, fresh_database  # noqa: PLC0415

    directory = Path(tempfile.mkdtemp(prefix="cunyue-roster-"))
    run(Report(), directory, fresh_database)
    sys.exit(0)
