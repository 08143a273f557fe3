"""Who a client is, as the session quotas count it, and how many wrong join codes it may try.

A client is its address as the server sees it (behind a proxy, the address the proxy forwards,
where uvicorn trusts it: its --forwarded-allow-ips). An IPv6 address counts by its /64, the
block one host or home is given, so one machine cannot be many clients by changing the last
bits of its address.
"""

import time

from fastapi import Request

from app.connections import address_key

BUCKETS = 100_000  # addresses remembered at once (a few MB); past it, full buckets are forgotten


def client_address(request: Request) -> str:
    """As the connection caps count it (app.connections.address_key)."""
    return address_key(request.client.host if request.client else "")


class JoinLimiter:
    """A bucket of tries for each address: `per_minute` come back each minute, up to `burst`
    (twice that unless given). A join lookup takes one and a hit gives it back, so only wrong
    codes count; an empty bucket refuses every lookup, right or wrong, until a try comes back.
    Kept in this process: with several processes, each has its own."""

    def __init__(self, per_minute: float, burst: float | None = None,
                 addresses: int = BUCKETS) -> None:
        self.rate = max(per_minute, 1e-6) / 60
        self.burst = max(1.0, 2 * per_minute if burst is None else burst)
        self.addresses = addresses
        self._buckets: dict[str, tuple[float, float]] = {}  # address: (tries left, as of when)

    def _left(self, address: str, at: float) -> float:
        tries, since = self._buckets.get(address, (self.burst, at))
        return min(self.burst, tries + (at - since) * self.rate)

    def take(self, address: str) -> float:
        """Takes a try: answers 0 when there was one, else the seconds until one is back."""
        at = time.monotonic()
        left = self._left(address, at)
        if left < 1:
            return (1 - left) / self.rate
        self._keep(address, left - 1, at)
        return 0.0

    def give_back(self, address: str) -> None:
        at = time.monotonic()
        self._keep(address, self._left(address, at) + 1, at)

    def _keep(self, address: str, tries: float, at: float) -> None:
        if tries >= self.burst:  # a full bucket is no bucket: nothing to remember
            self._buckets.pop(address, None)
            return
        if address not in self._buckets and len(self._buckets) >= self.addresses:
            self._forget(at)
        self._buckets[address] = (tries, at)

    def _forget(self, at: float) -> None:
        """Room for another address: the buckets full again go, else the oldest half."""
        for address in [a for a in self._buckets if self._left(a, at) >= self.burst]:
            del self._buckets[address]
        if len(self._buckets) >= self.addresses:
            for address in list(self._buckets)[:len(self._buckets) // 2]:
                del self._buckets[address]
