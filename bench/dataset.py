"""Bulk data for the benchmark: villages, households, residents and hash-chained ledger entries.

Written with plain INSERTs (SQLite) or COPY (PostgreSQL) straight into the tables, never
through the HTTP API, but with the same hash chain the application computes, so
``verify-ledger`` passes on the result.
"""

from __future__ import annotations

import io
import random
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

from sqlalchemy import text

from points.ledger import GENESIS, entry_hash
from points.models import EntryKind
from points.residents import name_initials, name_pinyin
from points.tallies import FIGURES, SHARDS, local_month

SURNAMES = "王李张刘陈杨黄赵周吴徐孙马胡朱郭何罗高林梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = (
    "建国 秀英 桂兰 志强 海燕 玉梅 国平 春花 德明 小红 文华 丽娟 永红 伟 芳 军 静 磊 敏 勇".split()
)
START = datetime(2025, 1, 1, tzinfo=UTC)


def _names(rng: random.Random, n: int) -> list[tuple[str, str, str]]:
    cache: dict[str, tuple[str, str, str]] = {}
    out = []
    for _ in range(n):
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        if name not in cache:
            cache[name] = (name, name_initials(name), name_pinyin(name))
        out.append(cache[name])
    return out


def _chain(
    household_id: int, amounts: list[tuple[int, str, int | None]], start: datetime, step: timedelta
):
    """Entries for one household: (amount, kind, resident id) -> rows with seq, hashes, balance."""
    prev, balance, honour, rows = GENESIS, 0, 0, []
    at = start
    for seq, (amount, kind, resident_id) in enumerate(amounts, 1):
        if amount < 0 and balance + amount < 0:
            amount = -balance
        honour_delta = amount if kind in ("award", "deduction") else 0
        e = SimpleNamespace(
            household_id=household_id,
            seq=seq,
            resident_id=resident_id,
            amount=amount,
            honour_delta=honour_delta,
            kind=EntryKind(kind),
            rule_version_id=None,
            source_type=None,
            source_id=None,
            reverses_id=None,
            created_by_id=None,
            created_at=at,
            balance_after=balance + amount,
            note="",
        )
        e.prev_hash = prev
        e.hash = entry_hash(prev, e)
        rows.append(e)
        prev, balance, honour = e.hash, balance + amount, honour + honour_delta
        at += step
    return rows, balance, honour, prev


def load(
    conn,
    *,
    village_code: str,
    village_name: str,
    households: int,
    per_household: int,
    entries_per_household: int,
    seed: int = 7,
    first_award: int = 0,
) -> dict:
    """One village's worth of rows in one transaction (the caller's ``conn``). Returns ids."""
    rng = random.Random(seed)
    postgres = conn.dialect.name == "postgresql"
    now = datetime.now(UTC)
    village_id = conn.execute(
        text(
            "INSERT INTO villages (code, name, county_name, town_name, timezone, objection_days,"
            " expiry_mode, expiry_month, expiry_day, created_at) VALUES (:c, :n, '某县', '某镇',"
            " 'Asia/Shanghai', 7, 'none', 12, 31, :t) RETURNING id"
        ),
        {"c": village_code, "n": village_name, "t": now},
    ).scalar_one()
    group_ids = [
        conn.execute(
            text("INSERT INTO groups (village_id, name) VALUES (:v, :n) RETURNING id"),
            {"v": village_id, "n": f"第{i + 1}村民小组"},
        ).scalar_one()
        for i in range(4)
    ]
    first_hh = _next_id(conn, "households")
    first_res = _next_id(conn, "residents")
    names = _names(rng, households * per_household)
    hh_rows, res_rows, entry_rows = [], [], []
    rid = first_res
    for i in range(households):
        hid = first_hh + i
        members = list(range(rid, rid + per_household))
        rid += per_household
        amounts = []
        if first_award:
            amounts.append((first_award, "award", members[0]))
        for _ in range(entries_per_household - len(amounts)):
            r = rng.random()
            if r < 0.7:
                amounts.append((rng.choice((1, 2, 3, 5, 5, 10)), "award", rng.choice(members)))
            elif r < 0.95:
                amounts.append((-rng.choice((5, 10, 15)), "redemption", None))
            else:
                amounts.append((-rng.choice((3, 5)), "deduction", rng.choice(members)))
        rows, balance, honour, head = _chain(hid, amounts, START, timedelta(hours=7))
        entry_rows.extend(rows)
        hh_rows.append(
            {
                "id": hid,
                "village_id": village_id,
                "number": f"{i + 1:05d}",
                "group_id": group_ids[i % 4],
                "address": "",
                "balance": balance,
                "pending": 0,
                "honour_score": honour,
                "ledger_seq": len(rows),
                "ledger_head": head,
                "created_at": START,  # before its first entry
            }
        )
        for j, r_id in enumerate(members):
            name, ini, py = names[r_id - first_res]
            res_rows.append(
                {
                    "id": r_id,
                    "village_id": village_id,
                    "household_id": hid,
                    "name": name,
                    "name_initials": ini,
                    "name_pinyin": py,
                    "phone": None,
                    "is_head": j == 0,
                    "status": "active",
                    "card_version": 1,
                    "created_at": START,
                }
            )
    _insert(conn, "households", hh_rows, postgres)
    _insert(conn, "residents", res_rows, postgres)
    _insert(conn, "ledger_entries", [_entry_dict(e) for e in entry_rows], postgres, with_id=False)
    tally_rows, act_rows = _tallies(village_id, hh_rows, res_rows, entry_rows)
    _insert(conn, "resident_months", act_rows, postgres, with_id=False)
    _insert(conn, "village_month_tallies", tally_rows, postgres, with_id=False)
    if postgres:
        for table in ("households", "residents"):
            conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                    f" (SELECT max(id) FROM {table}))"
                )
            )
    return {
        "village_id": village_id,
        "first_household": first_hh,
        "households": households,
        "first_resident": first_res,
        "residents": households * per_household,
        "entries": len(entry_rows),
    }


def _tallies(village_id: int, households: list, residents: list, entries: list):
    """The county table's tallies of the rows loaded (what points.tallies would have counted
    had they been written one by one): tally rows and residents' acts per month."""
    zone = "Asia/Shanghai"
    figures: dict[tuple, dict[str, int]] = {}
    acts: dict[tuple[int, object], int] = {}

    def add(month, shard: int, **deltas: int) -> None:
        row = figures.setdefault((month, shard), dict.fromkeys(FIGURES, 0))
        for name, value in deltas.items():
            row[name] += value

    for h in households:
        add(local_month(zone, h["created_at"]), h["id"] % SHARDS, households=1)
    for r in residents:
        add(local_month(zone, r["created_at"]), r["household_id"] % SHARDS, residents=1)
    for e in entries:
        month = local_month(zone, e.created_at)
        spent = e.kind in (EntryKind.REDEMPTION, EntryKind.REFUND)
        add(
            month,
            e.household_id % SHARDS,
            awarded=e.honour_delta,
            net=e.amount,
            redeemed=-e.amount if spent else 0,
        )
        if e.kind == EntryKind.AWARD and e.amount > 0 and e.resident_id is not None:
            key = (e.resident_id, month)
            if key not in acts:
                add(month, e.household_id % SHARDS, participants=1)
            acts[key] = acts.get(key, 0) + 1
    tally_rows = [
        {"village_id": village_id, "month": month, "shard": shard, **row}
        for (month, shard), row in sorted(figures.items())
    ]
    act_rows = [{"resident_id": r, "month": m, "acts": n} for (r, m), n in sorted(acts.items())]
    return tally_rows, act_rows


def _next_id(conn, table: str) -> int:
    return (conn.execute(text(f"SELECT max(id) FROM {table}")).scalar() or 0) + 1


def _entry_dict(e) -> dict:
    return {
        "household_id": e.household_id,
        "seq": e.seq,
        "resident_id": e.resident_id,
        "amount": e.amount,
        "honour_delta": e.honour_delta,
        "kind": e.kind.value,
        "rule_version_id": None,
        "source_type": None,
        "source_id": None,
        "reverses_id": None,
        "note": "",
        "created_by_id": None,
        "created_at": e.created_at,
        "balance_after": e.balance_after,
        "prev_hash": e.prev_hash,
        "hash": e.hash,
    }


def _insert(conn, table: str, rows: list[dict], postgres: bool, with_id: bool = True) -> None:
    if not rows:
        return
    columns = list(rows[0])
    if postgres:
        raw = conn.connection.driver_connection
        buf = io.StringIO()
        for r in rows:
            buf.write("\t".join(_copy_value(r[c]) for c in columns) + "\n")
        with raw.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            copy.write(buf.getvalue())
        return
    placeholders = ", ".join(f":{c}" for c in columns)
    stmt = text(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})")
    for i in range(0, len(rows), 5000):
        conn.execute(stmt, [_sqlite_value_row(r) for r in rows[i : i + 5000]])


def _sqlite_value_row(r: dict) -> dict:
    return {
        k: (
            v.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
            if isinstance(v, datetime)
            else v.isoformat()
            if isinstance(v, date)
            else v
        )
        for k, v in r.items()
    }


def _copy_value(v) -> str:
    if v is None:
        return "\\N"
    if isinstance(v, bool):
        return "t" if v else "f"
    if isinstance(v, datetime):
        return v.isoformat()
    return str(v).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


# -- deliberation topics -------------------------------------------------------------------

TOPIC_PATH = (
    "collected",
    "accepted",
    "researched",
    "deliberated",
    "published",
    "implementing",
    "done",
)
TOPIC_TITLES = (
    "村口路灯不亮",
    "排水渠堵塞",
    "垃圾清运不及时",
    "小学门口加装减速带",
    "文化广场整修",
    "集体林地流转",
    "危桥护栏损坏",
    "村道硬化",
)


def load_topics(
    conn, *, village_id: int, first_resident: int, residents: int, topics: int, seed: int = 7
) -> dict:
    """``topics`` topics of one village at every step, with their proposers, history and, for
    the done ones, residents' ratings (a dozen each). Returns the first done topic's id."""
    rng = random.Random(seed)
    postgres = conn.dialect.name == "postgresql"
    now = datetime.now(UTC)
    first = _next_id(conn, "topics")
    span = (now - START).total_seconds()
    topic_rows, proposer_rows, step_rows, rating_rows = [], [], [], []
    busiest = None  # the first done topic: its page shows every step and a dozen ratings
    for i in range(topics):
        tid = first + i
        created = START + timedelta(seconds=rng.random() * span * 0.95)
        declined = rng.random() < 0.08
        reached = 0 if declined else rng.randrange(len(TOPIC_PATH))
        size = rng.choice(("small", "normal", "normal", "hard"))
        path = ["collected", "declined"] if declined else list(TOPIC_PATH[: reached + 1])
        if size == "small" and "researched" in path:
            path.remove("researched")
        at = created
        for step in path:
            step_rows.append(
                {
                    "topic_id": tid,
                    "from_status": step_rows[-1]["to_status"]
                    if step_rows and step_rows[-1]["topic_id"] == tid
                    else None,
                    "to_status": step,
                    "note": "",
                    "by_id": None,
                    "cosigner_id": None,
                    "at": at,
                }
            )
            at += timedelta(days=rng.randint(1, 6))
        status = path[-1]
        published = "published" in path
        title = f"{rng.choice(TOPIC_TITLES)}（{i + 1}）"
        topic_rows.append(
            {
                "id": tid,
                "village_id": village_id,
                "title": title,
                "description": f"{title}：村民反映的情况和地点。",
                "place": "",
                "photo_path": None,
                "source": rng.choice(("resident", "visit", "box", "wechat", "talk_room")),
                "size": size,
                "urgent": rng.random() < 0.1,
                "status": status,
                "category": "" if declined else "公共事务、公共环境、公益事业",
                "decline_reason": "违反政策的事项不议" if declined else "",
                "form": None,
                "research_notes": "实地查看" if "researched" in path else "",
                "parties": "",
                "proposal": "议事方案" if "researched" in path else "",
                "notice": "",
                "result": "议定结果" if "deliberated" in path else "",
                "published_at": step_rows[-1]["at"] if published else None,
                "objection_deadline": step_rows[-1]["at"] + timedelta(days=5)
                if published
                else None,
                "explanation": "",
                "owner": "村委会" if "implementing" in path else "",
                "deadline": (at + timedelta(days=30)).date() if "implementing" in path else None,
                "done_at": at if status == "done" else None,
                "signed_off_by_id": None,
                "rating_round": 1,
                "merged_into_id": None,
                "created_by_id": None,
                "created_at": created,
                "status_changed_at": step_rows[-1]["at"],
            }
        )
        proposers = rng.sample(range(residents), k=min(residents, rng.choice((1, 1, 1, 2, 3))))
        for k in proposers:
            proposer_rows.append(
                {
                    "topic_id": tid,
                    "resident_id": first_resident + k,
                    "entered_by_id": None,
                    "source": topic_rows[-1]["source"],
                    "award_id": None,
                    "created_at": created,
                }
            )
        if status == "done":
            raters = rng.sample(range(residents), k=min(residents, 12))
            for k in raters:
                rating_rows.append(
                    {
                        "topic_id": tid,
                        "round": 1,
                        "resident_id": first_resident + k,
                        "score": rng.choice(
                            ("satisfied", "satisfied", "basically_satisfied", "dissatisfied")
                        ),
                        "comment": "",
                        "recorded_by_id": None,
                        "proxy_reason": "",
                        "entry_id": None,
                        "points_awarded": 0,
                        "created_at": at,
                    }
                )
            busiest = busiest or tid
    _insert(conn, "topics", topic_rows, postgres)
    _insert(conn, "topic_proposers", proposer_rows, postgres, with_id=False)
    _insert(conn, "topic_transitions", step_rows, postgres, with_id=False)
    _insert(conn, "topic_ratings", rating_rows, postgres, with_id=False)
    if postgres and topic_rows:
        conn.execute(
            text(
                "SELECT setval(pg_get_serial_sequence('topics', 'id'), (SELECT max(id) FROM topics))"
            )
        )
    return {"topics": len(topic_rows), "busiest_topic": busiest or first}
