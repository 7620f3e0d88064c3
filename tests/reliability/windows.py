"""Real-clock rate-limit tests: staying clear of a counting window's edge."""

import time


def start_clear_of_window_edge(duration: float, margin: float) -> None:
    """Wait, if need be, so that at least ``margin`` seconds remain before the next multiple
    of ``duration`` (where the rate limits' counting windows begin).

    Just past an edge the sliding estimate weighs the previous window a hair under its count
    (3 requests weigh 2.999), so one request more than the rate can get through: a test on the
    real clock that straddled an edge failed at 19:00 UTC.
    """
    left = duration - time.time() % duration
    if left < margin:
        time.sleep(left + 0.1)
