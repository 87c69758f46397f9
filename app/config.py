"""Configuration from the environment. No Flask import: Alembic's env.py reads it too."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def instance_path() -> Path:
    path = Path(os.environ.get("CUNYUE_INSTANCE", PROJECT_ROOT / "instance"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def normalise_url(url: str) -> str:
    """Hosting panels hand out postgres:// URLs; SQLAlchemy wants the driver named."""
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://") :]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return normalise_url(url)
    return f"sqlite:///{instance_path() / 'cunyue.db'}"


def secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once and kept under instance/."""
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    path = instance_path() / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip()


def _int_env(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def ledger_key() -> str:
    """LEDGER_KEY from the environment, else one generated once and kept under instance/.

    The key of the ledger's hash chains (HMAC) and of postings' verification codes. It is
    never written to the database: whoever can write the database but lacks this file
    cannot recompute a chain or a code. Back it up with SECRET_KEY, apart from the database.
    """
    key = os.environ.get("LEDGER_KEY")
    if key:
        return key
    path = instance_path() / "ledger_key"
    if not path.exists():
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first
            return path.read_text().strip()
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip()


def trusted_proxies() -> int:
    """CUNYUE_PROXIES: how many reverse proxies stand in front of the app (0: none)."""
    raw = os.environ.get("CUNYUE_PROXIES", "0").strip() or "0"
    if not raw.isdecimal() or int(raw) > 5:
        raise SystemExit(f"CUNYUE_PROXIES must be a number of proxies from 0 to 5, not {raw!r}")
    return int(raw)


def settings() -> dict:
    return {
        "SECRET_KEY": secret_key(),
        "LEDGER_KEY": ledger_key(),
        "DATABASE_URL": database_url(),
        # Redis (redis://...) for the login counters; unset or anything else: the database.
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", ""),
        "CUNYUE_PROXIES": trusted_proxies(),
        "SESSION_COOKIE_SECURE": os.environ.get("CUNYUE_SECURE_COOKIES", "0") == "1",
        "UPLOAD_FOLDER": str(instance_path() / "uploads"),
        # Upload limits (points.uploads.UploadLimits); a village's own quota, set with
        # `flask --app app set-upload-quota`, replaces UPLOAD_VILLAGE_MB for that village.
        "UPLOAD_USER_DAILY_MB": _int_env("CUNYUE_UPLOAD_USER_DAILY_MB", 50),
        "UPLOAD_USER_PER_MINUTE": _int_env("CUNYUE_UPLOAD_USER_PER_MINUTE", 5),
        "UPLOAD_VILLAGE_MB": _int_env("CUNYUE_UPLOAD_VILLAGE_MB", 2048),
        "UPLOAD_DISK_RESERVE_MB": _int_env("CUNYUE_UPLOAD_DISK_RESERVE_MB", 64),
        # Backups (docs/deployment.md): the folder may be a USB disk's mount point.
        "BACKUP_DIR": os.environ.get("CUNYUE_BACKUP_DIR", str(instance_path() / "backups")),
        "BACKUP_AUTO": os.environ.get("CUNYUE_AUTO_BACKUP", "1") == "1",
        "BACKUP_KEEP_DAYS": int(os.environ.get("CUNYUE_BACKUP_KEEP_DAYS", "7")),
        "BACKUP_KEEP_MONTHS": int(os.environ.get("CUNYUE_BACKUP_KEEP_MONTHS", "12")),
        # Pages a step of SQLite's online backup; -1 copies in one step (one snapshot).
        "BACKUP_STEP_PAGES": int(os.environ.get("CUNYUE_BACKUP_STEP_PAGES", "-1")),
        # One JSON line a request; to a rotated file when set, else to standard error.
        "LOG_FILE": os.environ.get("CUNYUE_LOG_FILE", ""),
        "LOG_MAX_BYTES": int(os.environ.get("CUNYUE_LOG_MAX_BYTES", str(10 * 1024 * 1024))),
        "LOG_BACKUP_COUNT": int(os.environ.get("CUNYUE_LOG_BACKUP_COUNT", "10")),
        # /healthz answers 503 when the instance or backup disk has less free space than this.
        "HEALTH_MIN_FREE_MB": int(os.environ.get("CUNYUE_HEALTH_MIN_FREE_MB", "200")),
    }
