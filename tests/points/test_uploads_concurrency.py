"""Parallel uploads on a real database: the rate and the village's quota are counted one
upload at a time, so a burst from many threads passes no limit and leaves only the files of
the uploads that were admitted."""

import os
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from points import evidence, users, villages
from points.models import Role, Village
from points.upload_models import Upload
from points.uploads import MB, UploadLimits, UploadRateLimited, VillageQuotaExceeded

pytestmark = pytest.mark.concurrency
KB = 1024


def png(size: int) -> bytes:
    head = b"\x89PNG\r\n\x1a\n"
    return head + os.urandom(16) + b"\x00" * (size - len(head) - 16)


def _setup(real_db, code, people):
    with real_db.session() as s, s.begin():
        v = villages.create_village(s, code=code, name="并发上传村")
        ids = [
            users.create_user(
                s,
                username=f"{code}-{i}",
                password="secret-pass-1",
                village_id=v.id,
                roles=[Role.HOST],
            ).id
            for i in range(people)
        ]
        return v.id, ids


def _upload(real_db, folder, village_id, user_id, size, limits):
    with real_db.session() as s:
        try:
            with s.begin():
                village = s.get(Village, village_id)
                evidence.save(
                    s,
                    uploads_dir=folder,
                    data=png(size),
                    village=village,
                    user_id=user_id,
                    limits=limits,
                )
            return "stored"
        except (UploadRateLimited, VillageQuotaExceeded) as exc:
            return exc.code


def _stored(real_db, village_id):
    with real_db.session() as s:
        return s.scalar(select(func.count(Upload.id)).where(Upload.village_id == village_id))


def test_twelve_parallel_uploads_of_one_user_stop_at_the_rate(real_db, tmp_path, fixed_clock):
    village_id, (user_id,) = _setup(real_db, "conc-upload-rate", 1)
    limits = UploadLimits(user_per_minute=5)
    with ThreadPoolExecutor(max_workers=12) as pool:
        results = list(
            pool.map(
                lambda _i: _upload(real_db, tmp_path, village_id, user_id, 4 * KB, limits),
                range(12),
            )
        )
    assert sorted(results) == ["stored"] * 5 + ["upload_rate_limited"] * 7
    assert len(os.listdir(tmp_path / "evidence")) == 5 and _stored(real_db, village_id) == 5


def test_parallel_uploads_of_many_users_stop_at_the_villages_quota(real_db, tmp_path, fixed_clock):
    village_id, people = _setup(real_db, "conc-upload-village", 8)
    limits = UploadLimits(village_bytes=1 * MB)
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(
            pool.map(
                lambda uid: _upload(real_db, tmp_path, village_id, uid, 300 * KB, limits), people
            )
        )
    # 3 × 300 KB fit in 1 MB, a fourth would not
    assert sorted(results) == ["stored"] * 3 + ["village_quota_exceeded"] * 5
    assert len(os.listdir(tmp_path / "evidence")) == 3 and _stored(real_db, village_id) == 3
