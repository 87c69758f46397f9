"""Failed logins, throttled so that guessing is slow and no one can lock anyone else out.

The login page and ``POST /api/v1/auth/token`` count failed attempts only, in counters that
every application process sees: Redis when ``RATELIMIT_STORAGE_URI`` names one
(``redis://``, ``rediss://``, ``unix://``), else the database (``points.throttle``; any
other value, ``memory://`` included, means the database, as process memory would let four
gunicorn workers count four times as many guesses). The counters, by client (the address
``request.remote_addr``, right behind ``CUNYUE_PROXIES`` trusted proxies):

- per account and client: 10 failures in 15 minutes, then that client waits;
- per client: 30 failures in 15 minutes, over any accounts (one address spraying names);
- per account, from every client together: 100 failures a day (a slower backstop against
  guessing from many addresses).

A *known device* is a browser where the account logged in before: it carries a signed
cookie naming its device id and (as keyed hashes) the accounts that logged in on it. Its
attempts for such an account are counted apart, 10 in 15 minutes for that account on that
device only, and neither the other counters nor anyone else's failures stop it: an attacker
who makes an account's other counters full cannot keep its owner out of their own phone.

Keys are HMACs of the account, address or device under the application's secret: the
counters hold no username and no address.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from functools import wraps

from flask import Flask, Response, current_app, request
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.exceptions import TooManyRequests

from app.db import get_session
from points import throttle
from points.clock import now


@dataclass(frozen=True)
class Limit:
    name: str
    count: int
    seconds: int


PER_ACCOUNT_AND_CLIENT = Limit("account-client", 10, 15 * 60)
PER_ACCOUNT_AND_DEVICE = Limit("account-device", 10, 15 * 60)
PER_CLIENT = Limit("client", 30, 15 * 60)
PER_ACCOUNT = Limit("account", 100, 24 * 60 * 60)

DEVICE_COOKIE = "cy_device"
DEVICE_COOKIE_DAYS = 365
DEVICE_ACCOUNTS = 8  # the accounts a device remembers, the most recent last
REDIS_SCHEMES = ("redis://", "rediss://", "redis+unix://", "unix://")


class DatabaseCounts:
    """Counters in the database, in the request's own session and transaction."""

    def counts(self, counters: Sequence[throttle.Counter]) -> list[int]:
        return throttle.counts(get_session(), counters)

    def add(self, counters: Sequence[throttle.Counter]) -> list[int]:
        session = get_session()
        after = throttle.add_failure(session, counters)
        session.commit()
        return after


class RedisCounts:
    """Counters in Redis: one key per counter and window, INCR'd and given a lifetime."""

    def __init__(self, url: str) -> None:
        import redis

        self.client = redis.Redis.from_url(url)

    @staticmethod
    def _key(c: throttle.Counter) -> str:
        return f"cunyue:login-failures:{c.key}:{c.window}"

    def counts(self, counters: Sequence[throttle.Counter]) -> list[int]:
        if not counters:
            return []
        values = self.client.mget([self._key(c) for c in counters])
        return [int(v) if v is not None else 0 for v in values]

    def add(self, counters: Sequence[throttle.Counter]) -> list[int]:
        pipe = self.client.pipeline(transaction=True)
        for c in counters:
            pipe.incr(self._key(c))
            pipe.expire(self._key(c), c.seconds)
        results = pipe.execute()
        return [int(n) for n in results[0::2]]


def counts_store(uri: str | None) -> DatabaseCounts | RedisCounts:
    if uri and uri.startswith(REDIS_SCHEMES):
        return RedisCounts(uri)
    return DatabaseCounts()


def _tag(*parts: str) -> str:
    """A keyed hash of ``parts`` (64 hex digits)."""
    key = str(current_app.secret_key).encode()
    return hmac.new(key, "\x1f".join(parts).encode(), hashlib.sha256).hexdigest()


def _account_tag(account: str) -> str:
    return _tag("device-account", account)[:24]


def _device_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="cunyue-known-device")


def _read_device() -> tuple[str, list[str]] | None:
    raw = request.cookies.get(DEVICE_COOKIE)
    if not raw:
        return None
    try:
        data = _device_serializer().loads(raw)
        device, accounts = str(data["d"]), [str(a) for a in data["a"]]
    except (BadSignature, KeyError, TypeError, ValueError):
        return None
    return device, accounts


def normal_account(username: str | None) -> str:
    return str(username or "").strip().lower()[:64]


class LoginAttempt:
    """One attempt to log in as ``username``: :meth:`check` before the password is tried,
    then :meth:`failed` or :meth:`succeeded`."""

    def __init__(self, username: str | None) -> None:
        self.account = normal_account(username)
        self.device = _read_device()
        self.known_device = self.device is not None and _account_tag(self.account) in self.device[1]
        at = now()
        if self.known_device:
            limits = [(PER_ACCOUNT_AND_DEVICE, ("device", self.account, self.device[0]))]
        else:
            address = request.remote_addr or ""
            limits = [
                (PER_ACCOUNT_AND_CLIENT, ("account-client", self.account, address)),
                (PER_CLIENT, ("client", address)),
                (PER_ACCOUNT, ("account", self.account)),
            ]
        self.limits = [limit for limit, _ in limits]
        self.counters = [
            throttle.Counter(_tag(limit.name, *parts), limit.seconds, at) for limit, parts in limits
        ]
        self.store = current_app.extensions["cunyue_login_counts"]

    def check(self) -> None:
        """429 (with Retry-After) when a counter of this attempt is full."""
        counts = self.store.counts(self.counters)
        full = [
            c
            for c, limit, n in zip(self.counters, self.limits, counts, strict=True)
            if n >= limit.count
        ]
        if full:
            wait = max(int((c.expires_at - c.at).total_seconds()) for c in full)
            response = Response(status=429, headers={"Retry-After": str(max(wait, 1))})
            raise TooManyRequests(response=response)

    def failed(self) -> None:
        self.store.add(self.counters)

    def succeeded(self, response: Response) -> Response:
        """Mark this browser a known device of the account (a page login)."""
        device, accounts = self.device or (secrets.token_urlsafe(16), [])
        tag = _account_tag(self.account)
        accounts = [a for a in accounts if a != tag][-(DEVICE_ACCOUNTS - 1) :] + [tag]
        response.set_cookie(
            DEVICE_COOKIE,
            _device_serializer().dumps({"d": device, "a": accounts}),
            max_age=DEVICE_COOKIE_DAYS * 24 * 60 * 60,
            httponly=True,
            samesite="Lax",
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
        return response


def init_counts(app: Flask) -> None:
    app.extensions["cunyue_login_counts"] = counts_store(app.config.get("RATELIMIT_STORAGE_URI"))


PUBLIC_CHECKS_PER_CLIENT = Limit("public-check", 60, 10 * 60)


def public_check_limits(view):
    """Public, login-free checks that read the whole ledger (a posting's code): every request
    counts, per client, in the same shared counters as failed logins, so that no one can keep
    the database busy with them."""

    @wraps(view)
    def limited(*args, **kwargs):
        limit = PUBLIC_CHECKS_PER_CLIENT
        counter = throttle.Counter(
            _tag(limit.name, request.remote_addr or ""), limit.seconds, now()
        )
        store = current_app.extensions["cunyue_login_counts"]
        if store.counts([counter])[0] >= limit.count:
            wait = int((counter.expires_at - counter.at).total_seconds())
            raise TooManyRequests(
                response=Response(status=429, headers={"Retry-After": str(max(wait, 1))})
            )
        store.add([counter])
        return view(*args, **kwargs)

    return limited
