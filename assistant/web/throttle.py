"""Limits per client address: staff sign-in failures, and visitors' questions.

Both count per address, never per account: a guesser slows down and is then refused, while the
staff account itself is never locked (locking it would let anyone lock the staff out). Windows
are moving windows kept in memory by `limits`, so a restart forgets them.
"""

import logging
import time

from limits import RateLimitItemPerMinute, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

log = logging.getLogger(__name__)

FREE_FAILURES = 1  # a typo costs nothing; after it each failure doubles the wait...
FIRST_DELAY_S = 0.25
MAX_DELAY_S = 4.0
REFUSE_AFTER = 5  # ...and past this many failures in the window, 429 until it empties
WINDOW_MINUTES = 15


def client_address(peer: str | None, forwarded_for: str | None, trusted_proxy: str | None) -> str:
    """The visitor's address: the peer's, or, behind the trusted proxy, the address that proxy
    put last in X-Forwarded-For (the earlier entries are whatever the client claimed)."""
    peer = peer or "unknown"
    if trusted_proxy and peer == trusted_proxy and forwarded_for:
        last = forwarded_for.split(",")[-1].strip()
        if last:
            return last
    return peer


class LoginThrottle:
    """Failed staff sign-ins per address: a growing delay, then refusal for the window."""

    def __init__(self, refuse_after: int = REFUSE_AFTER, window_minutes: int = WINDOW_MINUTES):
        self.item = parse(f"{refuse_after}/{window_minutes} minutes")
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    def failures(self, address: str) -> int:
        stats = self.limiter.get_window_stats(self.item, address)
        return self.item.amount - stats.remaining

    def retry_after_s(self, address: str) -> int | None:
        """Seconds until this address may try again, or None when it may try now."""
        if self.failures(address) < self.item.amount:
            return None
        reset = self.limiter.get_window_stats(self.item, address).reset_time
        return max(1, int(reset - time.time()) + 1)

    def delay_s(self, address: str) -> float:
        extra = self.failures(address) - FREE_FAILURES
        return 0.0 if extra < 0 else min(MAX_DELAY_S, FIRST_DELAY_S * 2**extra)

    def failed(self, address: str) -> None:
        self.limiter.hit(self.item, address)
        log.warning(
            "failed staff sign-in from %s (%d in the window)", address, self.failures(address)
        )

    def succeeded(self, address: str) -> None:
        self.limiter.clear(self.item, address)
        log.info("staff sign-in from %s", address)


class QuestionLimiter:
    """Questions per address per minute; 0 turns the limit off."""

    def __init__(self, per_minute: int):
        self.item = RateLimitItemPerMinute(per_minute) if per_minute > 0 else None
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    def allow(self, address: str) -> bool:
        if self.item is None:
            return True
        allowed = self.limiter.hit(self.item, address)
        if not allowed:
            log.warning("question refused: %s is over %s", address, self.item)
        return allowed
