"""How big each chunk is and how far apart: a tick's worth with a rate, else sized by duration."""

from __future__ import annotations

# Unthrottled chunks start at DEFAULT_CHUNK users and grow while one takes under half of
# CHUNK_TARGET seconds, up to MAX_CHUNK: a deep queue (several large batches) then pays the fixed
# cost per transaction less often, and progress still moves a few times a second.
DEFAULT_CHUNK = 1000
MAX_CHUNK = 10_000
CHUNK_TARGET = 0.25
# With a throttle, a chunk holds about this many seconds of work, so progress moves smoothly.
THROTTLE_TICK = 0.25


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

    def next(self, rate: float | None) -> int:
        """Return the size of the next chunk."""
        return chunk_size_for(rate, self.base) if rate is not None else self.size

    def learn(self, rate: float | None, asked: int, processed: int, seconds: float) -> None:
        """Grow after a quick full chunk, shrink after a slow one."""
        if rate is not None or processed < asked:
            return  # only a full, unthrottled chunk tells how long a chunk of this size takes
        if seconds < CHUNK_TARGET / 2:
            self.size = min(self.most, self.size * 2)
        elif seconds > CHUNK_TARGET:
            self.size = max(self.base, self.size // 2)
