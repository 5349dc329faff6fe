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
