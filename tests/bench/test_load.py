"""bench/load.py's wrk client: the Lua script asks what the Python client asks, and wrk's report
is read right (the figures of a load run are only as good as this)."""

from __future__ import annotations

import http.server
import re
import shutil
import subprocess
import threading
import urllib.parse

import pytest

from bench.load import SEARCH_PATH, parse_wrk, wrk_search_script
from bench.search import EN_V, KO_V

REPORT = """Running 20s test @ http://127.0.0.1:39231/
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   117.02ms   12.40ms 231.05ms   80.12%
    Req/Sec   137.51     25.12   210.00     70.25%
  Latency Distribution
     50%  115.76ms
     75%  121.30ms
     90%  130.02ms
     99%    1.49s
  5472 requests in 20.02s, 41.02MB read
  Socket errors: connect 0, read 3, write 0, timeout 2
  Non-2xx or 3xx responses: 7
Requests/sec:    273.27
Transfer/sec:      2.05MB
"""


def test_parse_wrk_reads_rate_percentiles_and_every_kind_of_error():
    rps, p50, p99, errors, codes = parse_wrk(REPORT)
    assert rps == 273.27
    assert p50 == 115.76
    assert p99 == 1490.0  # seconds turned into milliseconds
    assert errors == 12
    assert codes == {"non-2xx/3xx": 7, "read": 3, "timeout": 2}


def test_parse_wrk_refuses_what_is_not_a_report():
    with pytest.raises(ValueError, match="not a wrk report"):
        parse_wrk("wrk: invalid URL\n")


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")
def test_the_lua_script_asks_two_random_words_and_the_two_filters(tmp_path):
    """Run by the real wrk against a server that records what it is asked."""
    paths: list[str] = []

    class Recorder(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            paths.append(self.path)
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        script = wrk_search_script(tmp_path / "search.lua")
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        done = subprocess.run(
            ["wrk", "-t1", "-c2", "-d1s", "--latency", "-s", str(script), url],
            capture_output=True, text=True, check=True, timeout=30,
        )  # fmt: skip
    finally:
        server.shutdown()
    rps, _, _, errors, _ = parse_wrk(done.stdout)
    assert rps > 0 and errors == 0
    shape = re.escape(SEARCH_PATH).replace(re.escape("{words}"), "(?P<q>[^&]+)")
    asked = set()
    for path in paths:
        found = re.fullmatch(shape, path)
        assert found, path
        english, korean = urllib.parse.unquote(found["q"]).split(" ")
        assert english in EN_V[10:400] and korean in KO_V[10:400]
        asked.add((english, korean))
    assert len(asked) > 10  # drawn per request, not one query repeated
