"""One long-lived SSH session per NETCONF / CLI target, shared by its polls.

Logging in on every poll floods a device's TACACS/AAA logs; a session is opened once, kept up with
SSH keepalives, checked before each use and opened again — with exponential backoff between failed
attempts — when it died. Logins and reconnects are counted per target for self-telemetry.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")

BACKOFF_FIRST = 1.0       # seconds before the second retry (the first is at once: a fixed config)
BACKOFF_MAX = 60.0
KEEPALIVE = 30            # SSH keepalive interval (seconds)


@dataclass
class SessionStats:
    logins: int = 0          # successful logins, the first included
    reconnects: int = 0      # logins after a session was lost
    failures: int = 0        # failed login attempts
    up: bool = False


@dataclass
class Session:
    """A connection kept between polls: ``use()`` hands out a live one (connecting when needed);
    ``lost()`` drops it after a failure so the next use logs in again."""

    key: str
    connect: Callable[[], Any]
    alive: Callable[[Any], bool]
    disconnect: Callable[[Any], None]
    stats: SessionStats = field(default_factory=SessionStats)
    conn: Any = None
    state: dict[Any, Any] = field(default_factory=dict)   # per-device memory (e.g. spellings that worked)
    lock: threading.Lock = field(default_factory=threading.Lock)
    last_error: BaseException | None = None
    _retry_at: float = 0.0
    _delay: float = 0.0
    _had_session: bool = False

    def use(self) -> Any:
        if self.conn is not None and self._is_alive():
            return self.conn
        if self.conn is not None:
            self.lost()
        wait = self._retry_at - time.monotonic()
        if wait > 0 and self.last_error is not None:
            raise BackingOff(wait, self.last_error)
        try:
            conn = self.connect()
        except Exception as exc:
            self.stats.failures += 1
            self.last_error = exc
            self._retry_at = time.monotonic() + self._delay
            self._delay = min(max(self._delay * 2, BACKOFF_FIRST), BACKOFF_MAX)
            raise
        self.conn, self.stats.up = conn, True
        self.stats.logins += 1
        if self._had_session:
            self.stats.reconnects += 1
            log.info("%s: session re-established (reconnect %d)", self.key, self.stats.reconnects)
        self._had_session = True
        self._retry_at, self._delay, self.last_error = 0.0, 0.0, None
        return conn

    def lost(self) -> None:
        conn, self.conn, self.stats.up = self.conn, None, False
        if conn is not None:
            with contextlib.suppress(Exception):   # a broken session must not mask the real error
                self.disconnect(conn)

    def run(self, login: Callable[[], Any], work: Callable[[Any], T], lost: tuple[type[BaseException], ...],
            persistent: bool = True) -> T:
        """``work(conn)`` on the kept session (``login()`` hands it out). A kept session can die
        without notice (device reload, NAT timeout): when ``work`` fails with one of ``lost`` on a
        session that was not opened just now, the session is dropped and the work done once more
        on a fresh login. Holds the session's lock: one poll of a target at a time."""
        with self.lock:
            try:
                for attempt in (1, 2):
                    logins = self.stats.logins
                    conn = login()
                    try:
                        return work(conn)
                    except lost as exc:
                        self.lost()      # a timed-out channel holds unread output: start clean
                        if attempt == 2 or self.stats.logins != logins:
                            raise
                        log.info("%s: kept session failed (%s); logging in again", self.key, exc)
                raise AssertionError("unreachable")
            finally:
                if not persistent:
                    self.lost()

    def _is_alive(self) -> bool:
        try:
            return bool(self.alive(self.conn))
        except Exception:
            return False


class BackingOff(Exception):
    """The last login failed (``last``); the next attempt waits ``wait`` more seconds."""

    def __init__(self, wait: float, last: BaseException) -> None:
        super().__init__(f"next login attempt in {wait:.1f}s")
        self.wait, self.last = wait, last


_SESSIONS: dict[str, Session] = {}
_GUARD = threading.Lock()


def session_key(target: Any) -> str:
    return f"{target.kind}:{target.name}@{target.host}:{target.port}/{target.username}"


def session_for(target: Any, connect: Callable[[], Any], alive: Callable[[Any], bool],
                disconnect: Callable[[Any], None]) -> Session:
    key = session_key(target)
    with _GUARD:
        s = _SESSIONS.get(key)
        if s is None:
            s = _SESSIONS[key] = Session(key, connect, alive, disconnect)
        else:   # the target's settings (timeouts, credentials) may have been reloaded
            s.connect, s.alive, s.disconnect = connect, alive, disconnect
        return s


def stats(target: Any) -> SessionStats | None:
    s = _SESSIONS.get(session_key(target))
    return s.stats if s else None


def close(target: Any) -> None:
    """Log out of a target's session (target removed, service stopping)."""
    with _GUARD:
        s = _SESSIONS.pop(session_key(target), None)
    if s is not None:
        with s.lock:
            s.lost()


def close_all() -> None:
    with _GUARD:
        sessions = list(_SESSIONS.values())
        _SESSIONS.clear()
    for s in sessions:
        with s.lock:
            s.lost()


def session_metrics(target: Any) -> list[Any]:
    """A NETCONF / CLI target's session as MetricPoints for the service's self-telemetry, beside its
    data: ``netrosetta.session.up`` (gauge 1/0), ``netrosetta.session.logins`` and
    ``netrosetta.session.reconnects`` (counters); attributes ``netrosetta.target`` + ``server.address``."""
    from netrosetta.engine.points import MetricPoints

    st = stats(target)
    if st is None:
        return []
    attrs = (("netrosetta.target", target.name), ("server.address", f"{target.host}:{target.port}"))
    up = MetricPoints("netrosetta.session.up", "gauge", "1", "SSH session state: 1 logged in, 0 down")
    logins = MetricPoints("netrosetta.session.logins", "counter", "{login}", "SSH logins (the first included)")
    again = MetricPoints("netrosetta.session.reconnects", "counter", "{reconnect}",
                         "SSH sessions lost and logged in again (with backoff between failed attempts)")
    up.points.append((attrs, 1 if st.up else 0))
    logins.points.append((attrs, st.logins))
    again.points.append((attrs, st.reconnects))
    return [up, logins, again]
