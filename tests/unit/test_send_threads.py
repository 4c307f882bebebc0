"""A send worker's threads follow CRM_SES_MAX_RATE (chalicelib/services/sending/pipeline.send_threads)."""
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st


@pytest.mark.parametrize("rate, threads", [(0.5, 2), (1, 2), (10, 2), (14, 3), (50, 10), (124, 25), (125, 25),
                                           (100_000, 25)])
def test_send_threads_examples(rate, threads):
    from chalicelib.services.sending.pipeline import send_threads

    assert send_threads(rate) == threads


@given(st.floats(min_value=0, max_value=1e6, allow_nan=False))
def test_send_threads_keep_the_rate_in_flight_at_four_times_the_bench_latency(rate):
    """Each thread sends 1 / 200 ms a second when SES is four times slower than the bench's 50 ms:
    enough threads for the rate, never fewer than 2 nor more than 25, no more than needed."""
    from chalicelib.services.sending.pipeline import MAX_SEND_THREADS, send_threads

    threads = send_threads(rate)
    assert 2 <= threads <= MAX_SEND_THREADS == 25
    if threads < MAX_SEND_THREADS:
        assert threads / 0.2 >= rate
    if 2 < threads:
        assert (threads - 1) / 0.2 < rate or math.isclose((threads - 1) / 0.2, rate)
