"""How big each chunk is and how far apart: a tick's worth with a rate, else sized by duration."""

from __future__ import annotations

import math

# Unthrottled chunks start at DEFAULT_CHUNK users and grow while one takes under half of
# CHUNK_TARGET seconds, up to MAX_CHUNK: a deep queue (several large batches) then pays the fixed
# cost per transaction less often, and progress still moves a few times a second.
DEFAULT_CHUNK = 1000
MAX_CHUNK = 10_000
CHUNK_TARGET = 0.25
# With a throttle, a chunk holds about this many seconds of work, so progress moves smoothly.
THROTTLE_TICK = 0.25
# A throttled chunk that fell behind is followed by one this much bigger than the rate needs.
KEEP_UP_MARGIN = 1.25


def chunk_size_for(rate: float | None, chunk_size: int = DEFAULT_CHUNK) -> int:
    """Return the chunk size for a rate: the full chunk if unthrottled, else a tick's worth."""
    if rate is None:
        return chunk_size
    return max(1, min(chunk_size, int(rate * THROTTLE_TICK)))


def pause_after(processed: int, rate: float, took: float) -> float:
    """Return how long to wait after a chunk so its users took `processed / rate` seconds in all."""
    return max(0.0, processed / rate - took)


class ChunkSizer:
    """Chooses each chunk's size: a tick's worth with a throttle, else adapted to its duration."""

    def __init__(self, chunk_size: int, max_chunk: int | None) -> None:
        if chunk_size < 1:
            raise ValueError("chunk_size must be at least 1")
        self.base = chunk_size
        self.most = max(chunk_size, MAX_CHUNK if max_chunk is None else max_chunk)
        self.size = chunk_size
        # With a throttle: the chunk that keeps up with the rate, and the rate it was learnt at.
        self.paced: tuple[float, int] | None = None

    def next(self, rate: float | None) -> int:
        """Return the size of the next chunk."""
        if rate is None:
            return self.size
        tick = chunk_size_for(rate, self.base)
        if self.paced is not None and self.paced[0] == rate:
            return max(tick, self.paced[1])
        return tick

    def learn(self, rate: float | None, asked: int, processed: int, seconds: float) -> None:
        """Grow after a quick full chunk, shrink after a slow one; with a throttle, keep up."""
        if rate is not None:
            self._keep_up(rate, asked, processed, seconds)
            return
        if processed < asked:
            return  # only a full, unthrottled chunk tells how long a chunk of this size takes
        if seconds < CHUNK_TARGET / 2:
            self.size = min(self.most, self.size * 2)
        elif seconds > CHUNK_TARGET:
            self.size = max(self.base, self.size // 2)

    def _keep_up(self, rate: float, asked: int, processed: int, seconds: float) -> None:
        """Size throttled chunks so the rate holds when each chunk costs more than its share.

        A chunk of a tick's worth (50 users at 200/s) that takes longer than a tick (a busy
        server: 0.4 s measured under bench/bench_load.py) would publish at 125/s instead of 200/s.
        The next chunks then hold what the rate allows in the time one takes (with a margin), so
        the fixed cost per transaction is shared by more users; they shrink back when it eases.
        """
        if processed < asked:
            return  # the queue ran short: this says nothing about the cost of a full chunk
        tick = chunk_size_for(rate, self.base)
        current = self.next(rate)
        share = processed / rate  # the seconds this chunk may take at the rate
        if seconds > share:
            wanted = math.ceil(rate * seconds * KEEP_UP_MARGIN)
        elif seconds < share / 2:
            wanted = max(tick, current // 2)
        else:
            return
        self.paced = (rate, max(tick, min(self.most, wanted)))
