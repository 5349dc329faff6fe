"""The publisher's status machine: every batch and user transition the spec names."""

from __future__ import annotations

import pytest

from core.publishing import (
    publish_rate,
    throttle,
)


@pytest.mark.parametrize(
    ("rate", "expected"), [(None, 1000), (1, 1), (20, 5), (200, 50), (10**9, 1000)]
)
def test_a_throttle_makes_chunks_of_about_a_quarter_second_of_work(rate, expected):
    assert throttle.chunk_size_for(rate, 1000) == expected


@pytest.mark.parametrize(
    ("text", "rate"), [(None, None), ("", None), ("0", None), ("unlimited", None), ("12.5", 12.5)]
)
def test_a_stored_rate_reads_as_unlocks_per_second_or_unlimited(text, rate):
    assert publish_rate.parse_rate(text) == rate


@pytest.mark.parametrize("text", ["-1", "fast", "nan"])
def test_a_garbled_rate_is_refused(text):
    with pytest.raises(ValueError):
        publish_rate.parse_rate(text)


def test_a_throttled_chunk_that_took_longer_than_its_share_makes_the_next_ones_bigger():
    sizer = throttle.ChunkSizer(1000, None)
    assert sizer.next(200) == 50  # a quarter second's worth
    sizer.learn(200, 50, 50, 0.4)  # 50 users may take 0.25 s at 200/s; these took 0.4 s
    assert sizer.next(200) == 100  # 200/s × 0.4 s × 1.25: enough to keep up


def test_throttled_chunks_shrink_back_to_a_tick_once_they_are_cheap_again():
    sizer = throttle.ChunkSizer(1000, None)
    sizer.learn(200, 50, 50, 0.8)
    assert sizer.next(200) == 200
    sizer.learn(200, 200, 200, 0.1)  # a quarter of its 1 s share
    assert sizer.next(200) == 100
    sizer.learn(200, 100, 100, 0.05)
    assert sizer.next(200) == 50
    sizer.learn(200, 50, 50, 0.01)
    assert sizer.next(200) == 50  # never below a tick's worth


def test_a_short_queue_or_a_new_rate_does_not_reuse_a_learnt_throttled_size():
    sizer = throttle.ChunkSizer(1000, None)
    sizer.learn(200, 50, 10, 5.0)  # only 10 left in the queue: no lesson about cost
    assert sizer.next(200) == 50
    sizer.learn(200, 50, 50, 0.5)
    assert sizer.next(200) == 125
    assert sizer.next(20) == 5  # the rate changed: a tick's worth of the new rate


def test_a_throttled_chunk_never_grows_past_the_largest_chunk():
    sizer = throttle.ChunkSizer(1000, 2000)
    sizer.learn(5000, 1000, 1000, 10.0)
    assert sizer.next(5000) == 2000
