"""Indicator results shared between web hosts through Redis (``LFO_REDIS_URL``; without it the
folder of ``dashboard.services.shared_cache`` shares them between one host's processes).

The same three steps as the folder, so ``IndicatorData`` does not care which it has:

- **keyed by data version**: ``lfo:<database>:<version digest>:<key digest>``, so a load (a new
  version) never reads an older version's value; each value lives ``KEEP_SECONDS`` after it was
  last read (``GETEX``), so older versions leave memory on their own;
- **single flight across hosts**: the host computing a value holds ``…:lock`` (``SET NX PX``
  with a random token, released only by its holder; redis-py's ``Lock``), and the others wait for
  it, then read the value. The holder renews the lock every third of ``LOCK_SECONDS`` while it
  computes (a national disclosure plan takes minutes), so a holder that dies frees it within
  ``LOCK_SECONDS``; the others wait up to ``WAIT_SECONDS``, then compute it themselves (twice,
  never wrongly);
- **safe values**: JSON, never pickle (``dashboard.services.result_codec``, which says why).

Redis down (refused, timed out, any Redis error): every step answers at once as "nothing shared"
(the host computes with its own process cache: slower, still correct), logs one warning, and
leaves Redis alone for ``RETRY_SECONDS`` so that a dead server costs no request more than one
short timeout. ``available`` (``/healthz``) asks Redis every time, so it also notices a recovery.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

import redis
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

from dashboard.services import result_codec
from dashboard.services.queries import DataVersion

log = logging.getLogger(__name__)

KEEP_SECONDS = 3600  # a value not read for this long leaves Redis (an older version's, mostly)
LOCK_SECONDS = 120.0  # a host that died computing a value frees its lock after this
WAIT_SECONDS = 1800.0  # longest a host waits for another computing a value
RETRY_SECONDS = 5.0  # after a failure, Redis is left alone this long
#: Short, so that a dead or unreachable Redis never stalls a request for long.
CONNECT_TIMEOUT = 0.25
SOCKET_TIMEOUT = 0.5


def client_options() -> dict[str, Any]:
    """Connection options for every Redis client of the service (results and rate limits): short
    timeouts, and no retries (redis-py would otherwise wait and try again on a dead server)."""
    return {
        "socket_connect_timeout": CONNECT_TIMEOUT,
        "socket_timeout": SOCKET_TIMEOUT,
        "retry": Retry(NoBackoff(), 0),
    }


def _digest(value: object) -> str:
    return hashlib.sha256(repr(value).encode()).hexdigest()[:32]


class RedisResults:
    """Whole results in Redis, one namespace per database (see the module's description)."""

    def __init__(self, url: str, database_url: str, retry_seconds: float | None = None) -> None:
        self.client = redis.Redis.from_url(url, **client_options())
        self.prefix = f"lfo:{hashlib.sha256(database_url.encode()).hexdigest()[:16]}"
        self.retry_seconds = RETRY_SECONDS if retry_seconds is None else retry_seconds
        self._down_until = 0.0  # monotonic time before which Redis is not asked
        self._lock = threading.Lock()

    def _key(self, version: DataVersion, key: str) -> str:
        return f"{self.prefix}:{_digest(version)}:{_digest(key)}"

    def _usable(self) -> bool:
        return time.monotonic() >= self._down_until

    def _failed(self, exc: Exception) -> None:
        with self._lock:
            if self._usable():  # one warning per outage and retry period, not per request
                log.warning(
                    "the shared results cache (Redis) cannot be reached: %s; computing in this "
                    "process, trying again in %.0f s",
                    exc,
                    self.retry_seconds,
                )
            self._down_until = time.monotonic() + self.retry_seconds

    def load(self, version: DataVersion, key: str) -> object | None:
        """The stored value, or None if there is none, it cannot be read, or Redis is down."""
        if not self._usable():
            return None
        name = self._key(version, key)
        try:
            data = self.client.getex(name, ex=KEEP_SECONDS)
        except RedisError as exc:
            self._failed(exc)
            return None
        if data is None:
            return None
        try:
            return result_codec.decode(bytes(data))  # type: ignore[arg-type]
        except ValueError as exc:  # damaged or foreign: computed again and overwritten
            log.warning("could not read a shared result from Redis (%s); computing it", exc)
            return None

    def store(self, version: DataVersion, key: str, value: object) -> None:
        """Store ``value`` for ``KEEP_SECONDS``; a failure is logged, never raised."""
        if not self._usable():
            return
        try:
            data = result_codec.encode(value)  # type: ignore[arg-type]  # Unsupported if not
        except result_codec.Unsupported as exc:
            log.warning("an indicator result is not shared: %s", exc)
            return
        try:
            self.client.set(self._key(version, key), data, ex=KEEP_SECONDS)
        except RedisError as exc:
            self._failed(exc)

    @contextlib.contextmanager
    def claim(self, version: DataVersion, key: str) -> Iterator[None]:
        """Hold the lock on ``key`` across hosts (waiting while another host holds it); with
        Redis down, go on without it."""
        lock = self.client.lock(
            f"{self._key(version, key)}:lock", timeout=LOCK_SECONDS, sleep=0.02, thread_local=False
        )
        held = False
        if self._usable():
            deadline = time.monotonic() + WAIT_SECONDS
            try:  # a live holder renews the lock: wait while it is held, up to the deadline
                while not held and time.monotonic() < deadline:
                    held = bool(lock.acquire(blocking=True, blocking_timeout=LOCK_SECONDS / 4))
            except RedisError as exc:
                self._failed(exc)
        stop = threading.Event()
        if held:
            threading.Thread(target=_renew, args=(lock, stop), daemon=True).start()
        try:
            yield
        finally:
            stop.set()
            if held:
                with contextlib.suppress(RedisError):  # expired meanwhile, or Redis went down
                    lock.release()

    def mark(self, version: DataVersion, key: str) -> None:
        """Kept ``KEEP_SECONDS`` like a value, and so are the version's values: the results
        maker marks again every few seconds while the version is current, so a web process
        started an hour after the values were last read still finds them all."""
        if not self._usable():
            return
        try:
            pipe = self.client.pipeline(transaction=False)
            pipe.set(f"{self._key(version, key)}:done", b"1", ex=KEEP_SECONDS)
            pattern = f"{self.prefix}:{_digest(version)}:*"
            for name in self.client.scan_iter(match=pattern, count=1000):
                if not name.endswith(b":lock"):  # a lock keeps its holder's own time to live
                    pipe.expire(name, KEEP_SECONDS)
            pipe.execute()
        except RedisError as exc:
            self._failed(exc)

    def marked(self, version: DataVersion, key: str) -> bool:
        if not self._usable():
            return False
        try:
            return bool(self.client.exists(f"{self._key(version, key)}:done"))
        except RedisError as exc:
            self._failed(exc)
            return False

    def available(self) -> bool:
        """Whether Redis answers now (asked every time; a success lets requests use it again)."""
        try:
            ok = bool(self.client.ping())
        except RedisError as exc:
            self._failed(exc)
            return False
        if ok:
            with self._lock:
                self._down_until = 0.0
        return ok


def _renew(lock: Any, stop: threading.Event) -> None:
    """Keep ``lock`` held (its time to live reset every third of ``LOCK_SECONDS``) until ``stop``."""
    while not stop.wait(LOCK_SECONDS / 3):
        try:
            lock.reacquire()
        except RedisError:  # Redis down or the lock lost: the value may be computed twice
            return
