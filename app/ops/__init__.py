"""Operations: backups (command line and automatic), restore, health checks, request logs."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from app.ops import autobackup, health, reqlog

    health.register(app)
    reqlog.init_app(app)
    autobackup.init_app(app)
