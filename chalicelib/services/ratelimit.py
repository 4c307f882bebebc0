"""A send rate shared by every worker: CRM_SES_MAX_RATE emails per second, counted in DynamoDB.

Each second has a counter item (with a TTL). A worker takes a block of tokens with one conditional
ADD (count + block <= rate); when the second is full it waits for the next one. Blocks keep the
cost at a few DynamoDB calls per second per worker, whatever the rate.
"""
from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone


class SendRateLimiter:
    def __init__(self, keys, rate: float, name: str = "ses", clock=time.time, sleep=time.sleep):
        self.keys = keys
        self.rate = max(1, int(rate))
        self.name = name
        self.block = max(1, self.rate // 4)
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._second = -1
        self._tokens = 0

    def acquire(self) -> None:
        """Blocks until this worker may send one more message."""
        with self._lock:
            while True:
                now = self._clock()
                second = int(now)
                if second != self._second:
                    self._second, self._tokens = second, 0
                if self._tokens > 0:
                    self._tokens -= 1
                    return
                if self._take(second, self.block) or (self.block > 1 and self._take(second, 1)):
                    continue
                self._sleep(max(0.0, second + 1 - now))

    def _take(self, second: int, count: int) -> bool:
        expires = datetime.fromtimestamp(second, timezone.utc) + timedelta(minutes=5)
        if self.keys.hit(f"rate#{self.name}#{second}", self.rate - count + 1, expires, amount=count):
            self._tokens += count
            return True
        return False
