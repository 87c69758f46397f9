"""A SQLAlchemy session per request: read-only (deferred) for GET, write otherwise."""

from __future__ import annotations

from flask import current_app, g, request
from sqlalchemy.orm import Session

from points.db import Database

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def database() -> Database:
    return current_app.extensions["cunyue_db"]


def get_session() -> Session:
    """The request's session, opened on first use."""
    if "db_session" not in g:
        write = request.method not in SAFE_METHODS if request else True
        g.db_session = database().session(write=write)
    return g.db_session


def write_session() -> Session:
    """A separate short write session, for work a GET request must do (lazy confirmation)."""
    return database().session(write=True)


def close_session(_exc: BaseException | None = None) -> None:
    session: Session | None = g.pop("db_session", None)
    if session is not None:
        session.close()  # rolls back what was not committed
