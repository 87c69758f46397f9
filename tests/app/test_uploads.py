"""Finding 15 (storage): a resident cannot fill the disk. Uploads are limited per user (a
rate and bytes a day) and per village, a full disk answers a clear error with nothing
half-written, and a rejected claim's photo is deleted after its objection window."""

import base64
import errno
import io
import os
from datetime import date

import pytest
from sqlalchemy import func, select

from points import awards, rules, uploads
from points.models import Award, AwardStatus, Role
from points.upload_models import Upload
from points.uploads import MB

KB = 1024


def png(size: int) -> bytes:
    """A photo of ``size`` bytes that passes the type check (PNG signature, then filler)."""
    head = b"\x89PNG\r\n\x1a\n"
    return head + os.urandom(16) + b"\x00" * (size - len(head) - 16)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def files_in(folder) -> list[str]:
    """Every name in the folder, hidden temporary files included."""
    return sorted(os.listdir(folder)) if folder.exists() else []


@pytest.fixture
def w(
    session,
    village,
    other_village,
    make_household,
    make_resident,
    make_user,
    token_for,
    app,
    tmp_path,
):
    app.config["UPLOAD_FOLDER"] = str(tmp_path)
    li = make_resident(village, make_household(village, "1002"), "李秀英")
    wang = make_resident(village, make_household(village, "1001"), "王建国")
    zhao = make_resident(other_village, make_household(other_village, "9001"), "赵大海")
    claim = {}
    for v in (village, other_village):
        terms = rules.clean_terms(
            {"title": "随手拍", "category": "环境卫生", "points": 3, "claimable": True}
        )
        claim[v.id] = rules.create_rule(
            session,
            village_id=v.id,
            code="SS01",
            terms=terms,
            effective_from=date(2026, 1, 1),
            by_id=None,
        )
    session.commit()
    li_user = make_user(village, roles=(Role.RESIDENT,), resident=li)
    return {
        "village": village,
        "other": other_village,
        "li": li,
        "li_user": li_user,
        "li_h": token_for(li_user),
        "wang_h": token_for(make_user(village, roles=(Role.RESIDENT,), resident=wang)),
        "zhao_h": token_for(make_user(other_village, roles=(Role.RESIDENT,), resident=zhao)),
        "sup": make_user(village, roles=(Role.SUPERVISOR,)),
        "claim": claim[village.id],
        "other_claim": claim[other_village.id],
        "folder": tmp_path / "evidence",
    }


def claim(client, w, who, data, rule=None, note="清理路边垃圾"):
    return client.post(
        "/api/v1/claims",
        json={"rule_id": (rule or w["claim"]).id, "note": note, "photo": b64(data)},
        headers={**w[who], "Accept-Language": "zh"},
    )


def counts(session, village):
    session.expire_all()
    made = session.scalar(select(func.count(Award.id)).where(Award.village_id == village.id))
    stored = session.scalar(select(func.count(Upload.id)).where(Upload.village_id == village.id))
    return made, stored


def test_ten_photos_in_a_second_stop_at_the_rate(client, session, w, fixed_clock):
    answers = [claim(client, w, "li_h", png(4 * KB)).status_code for _ in range(10)]
    # five a minute; the sixth and later answer 429 in the API's error shape, in Chinese
    assert answers == [201] * 5 + [429] * 5
    r = claim(client, w, "li_h", png(4 * KB))
    assert r.status_code == 429 and r.json["error"] == "upload_rate_limited"
    assert r.json["message"] == "上传照片太频繁了，请过一分钟再试。"
    assert r.headers["Retry-After"] == "60"
    # the refused ones wrote nothing: five files, five claims, five upload rows
    assert len(files_in(w["folder"])) == 5
    assert counts(session, w["village"]) == (5, 5)
    # another resident is not held up by 李秀英's uploads
    assert claim(client, w, "wang_h", png(4 * KB)).status_code == 201
    fixed_clock.advance(seconds=61)
    assert claim(client, w, "li_h", png(4 * KB)).status_code == 201


def test_a_day_of_uploads_per_user_has_a_quota(app, client, session, w, fixed_clock):
    app.config["UPLOAD_USER_DAILY_MB"] = 1
    assert claim(client, w, "li_h", png(400 * KB)).status_code == 201
    fixed_clock.advance(minutes=5)
    assert claim(client, w, "li_h", png(400 * KB)).status_code == 201
    fixed_clock.advance(minutes=5)
    r = claim(client, w, "li_h", png(400 * KB))
    assert r.status_code == 429 and r.json["error"] == "upload_quota_exceeded"
    assert r.json["message"] == "今天上传的照片已达上限，请明天再试。"
    assert r.json["used_bytes"] == 800 * KB and r.json["limit_bytes"] == 1024 * KB
    assert len(files_in(w["folder"])) == 2 and counts(session, w["village"]) == (2, 2)
    # a claim without a photo still goes through: the quota is on bytes, not on claims
    r = client.post(
        "/api/v1/claims", json={"rule_id": w["claim"].id, "note": "帮邻居修篱笆"}, headers=w["li_h"]
    )
    assert r.status_code == 201
    fixed_clock.advance(days=1)  # 24 hours after the first upload
    assert claim(client, w, "li_h", png(400 * KB)).status_code == 201


def test_a_village_keeps_at_most_its_quota(app, client, session, w, fixed_clock):
    uploads.set_village_quota(session, w["village"], 1, by_id=None)
    session.commit()
    assert claim(client, w, "li_h", png(600 * KB)).status_code == 201
    r = claim(client, w, "wang_h", png(600 * KB))
    assert r.status_code == 413 and r.json["error"] == "village_quota_exceeded"
    assert r.json["message"] == "本村的照片存储空间已满，请告知村两委。"
    assert len(files_in(w["folder"])) == 1 and counts(session, w["village"]) == (1, 1)
    # the neighbouring village has the deployment's default quota
    assert claim(client, w, "zhao_h", png(600 * KB), rule=w["other_claim"]).status_code == 201
    # the default, when the village's own quota is taken away, is UPLOAD_VILLAGE_MB
    app.config["UPLOAD_VILLAGE_MB"] = 1
    runner = app.test_cli_runner()
    result = runner.invoke(args=["set-upload-quota", "--village", w["village"].code])
    assert result.exit_code == 0, result.output
    assert claim(client, w, "wang_h", png(600 * KB)).status_code == 413
    result = runner.invoke(args=["set-upload-quota", "--village", w["village"].code, "--mb", "2"])
    assert result.exit_code == 0 and "2 MB" in result.output
    assert claim(client, w, "wang_h", png(600 * KB)).status_code == 201


def _fill_the_disk(monkeypatch):
    """The file-writing boundary writes part of the photo, then the disk is full."""

    def half_then_full(fd, data):
        os.write(fd, bytes(data[: len(data) // 2]))
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(uploads, "_write_all", half_then_full)


def test_a_full_disk_answers_clearly_and_leaves_nothing(client, session, w, monkeypatch):
    _fill_the_disk(monkeypatch)
    r = claim(client, w, "li_h", png(300 * KB))
    assert r.status_code == 507 and r.json["error"] == "storage_full"
    assert r.json["message"].startswith("服务器磁盘已满，照片没有保存")
    assert files_in(w["folder"]) == []  # no photo, no half-written temporary file
    assert counts(session, w["village"]) == (0, 0)  # no claim pointing at a missing file
    monkeypatch.undo()
    assert claim(client, w, "li_h", png(300 * KB)).status_code == 201


def test_a_full_disk_on_the_claim_page(app, login, session, w, monkeypatch):
    _fill_the_disk(monkeypatch)
    page = login(w["li_user"], app.test_client())
    r = page.post(
        "/claims/new",
        data={
            "rule_id": w["claim"].id,
            "note": "清理垃圾",
            "photo": (io.BytesIO(png(KB)), "x.png"),
        },
        content_type="multipart/form-data",
    )
    assert r.status_code == 507 and "服务器磁盘已满" in r.text
    assert files_in(w["folder"]) == [] and counts(session, w["village"]) == (0, 0)


def test_an_upload_never_eats_the_disks_last_room(app, client, session, w):
    """The database lives on the same disk: an upload that would leave less than the
    reserve free is refused before a byte is written."""
    app.config["UPLOAD_DISK_RESERVE_MB"] = 1024 * 1024 * 1024  # more than any disk has
    r = claim(client, w, "li_h", png(KB))
    assert r.status_code == 507 and r.json["error"] == "storage_full"
    assert files_in(w["folder"]) == [] and counts(session, w["village"]) == (0, 0)


def test_a_rejected_claims_photo_goes_after_the_window(app, client, session, w, fixed_clock):
    rejected = claim(client, w, "li_h", png(KB), note="拍到有人乱倒垃圾").json["id"]
    accepted = claim(client, w, "li_h", png(KB), note="清扫村道").json["id"]
    sup = w["sup"]
    awards.reject(
        session, awards.get_award(session, w["village"].id, rejected), by=sup, reason="照片看不清"
    )
    awards.approve(session, awards.get_award(session, w["village"].id, accepted), by=sup)
    session.commit()
    assert len(files_in(w["folder"])) == 2
    runner = app.test_cli_runner()

    fixed_clock.advance(days=6, hours=23)  # the window (7 days) is still open
    assert "0 photo(s) removed" in runner.invoke(args=["remove-rejected-photos"]).output
    assert len(files_in(w["folder"])) == 2
    fixed_clock.advance(hours=1)
    result = runner.invoke(args=["remove-rejected-photos", "--village", w["village"].code])
    assert result.exit_code == 0 and "1 photo(s) removed" in result.output
    session.expire_all()
    gone = session.get(Award, rejected)
    kept = session.get(Award, accepted)
    # the rejected claim keeps its row and says when its photo went; the file is gone
    assert gone.status == AwardStatus.REJECTED and gone.note == "拍到有人乱倒垃圾"
    assert gone.evidence_path is None and gone.evidence_removed_at == fixed_clock.now
    assert files_in(w["folder"]) == [kept.evidence_path.split("/")[1]]
    assert client.get(f"/api/v1/awards/{rejected}/evidence", headers=w["li_h"]).status_code == 404
    mine = client.get(f"/api/v1/awards/{rejected}", headers=w["li_h"]).json
    assert mine["has_evidence"] is False and mine["evidence_removed_at"] is not None
    # the accepted claim (confirmed when its window ended) keeps its photo
    assert client.get(f"/api/v1/awards/{accepted}/evidence", headers=w["li_h"]).status_code == 200
    # the village's storage counts the removed photo no more; a second run does nothing
    stored = session.scalars(select(Upload).where(Upload.village_id == w["village"].id)).all()
    assert sorted(u.removed_at is None for u in stored) == [False, True]
    assert "0 photo(s) removed" in runner.invoke(args=["remove-rejected-photos"]).output


def test_the_next_upload_removes_due_photos_lazily(client, session, w, fixed_clock):
    """No command needed: the village's next upload deletes the photos whose time is up,
    and their bytes no longer count against the village's quota."""
    first = claim(client, w, "li_h", png(600 * KB)).json["id"]
    awards.reject(
        session,
        awards.get_award(session, w["village"].id, first),
        by=w["sup"],
        reason="不属于随手拍",
    )
    uploads.set_village_quota(session, w["village"], 1, by_id=None)
    session.commit()
    assert claim(client, w, "wang_h", png(600 * KB)).status_code == 413
    fixed_clock.advance(days=7)
    r = claim(client, w, "wang_h", png(600 * KB))
    assert r.status_code == 201
    session.expire_all()
    assert session.get(Award, first).evidence_path is None
    assert len(files_in(w["folder"])) == 1


def test_an_items_picture_counts_and_is_written_whole(session, w, tmp_path, monkeypatch):
    """The shop's item pictures go through the same quotas and the same whole-or-nothing
    writer as claims' photos."""
    from store import catalogue, photos

    item = catalogue.create_item(
        session, village_id=w["village"].id, data={"name": "食用油", "price": 30}, by_id=None
    )
    session.commit()
    _fill_the_disk(monkeypatch)
    with pytest.raises(uploads.StorageFull):
        photos.set_photo(session, item, png(300 * KB), tmp_path, by_id=None)
    session.rollback()
    assert files_in(tmp_path) == [] and counts(session, w["village"]) == (0, 0)
    monkeypatch.undo()
    limits = uploads.UploadLimits(village_bytes=1 * MB)
    photos.set_photo(session, item, png(600 * KB), tmp_path, by_id=None, limits=limits)
    session.commit()
    with pytest.raises(uploads.VillageQuotaExceeded):
        photos.set_photo(session, item, png(600 * KB), tmp_path, by_id=None, limits=limits)
    session.rollback()
    assert len(files_in(tmp_path)) == 1 and counts(session, w["village"]) == (0, 1)
