"""One place that says what time it is, so tests can inject a clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

_now: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731


def now() -> datetime:
    """The current time, timezone-aware (UTC)."""
    return _now()


def set_clock(fn: Callable[[], datetime] | None) -> None:
    """Replace the clock (tests); ``None`` restores the real one."""
    global _now
    _now = fn if fn is not None else (lambda: datetime.now(UTC))


@contextmanager
def travel(at: datetime) -> Iterator[Callable[[datetime], None]]:
    """Within the block, the clock stands at ``at`` (the demo's history is written in the
    past); the function yielded moves it. The clock before it is restored after."""
    global _now
    previous = _now
    moment = [at]
    _now = lambda: moment[0]  # noqa: E731

    def move(to: datetime) -> None:
        moment[0] = to

    try:
        yield move
    finally:
        _now = previous
