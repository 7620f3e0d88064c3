"""Gunicorn settings for ``make serve``; every value can be overridden from the environment."""

import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
# One sync worker per core this process may run on, plus one. The work is mostly CPU (search,
# templates, SQLite in-process), so many more workers than cores only add switching and cache
# misses; the one extra keeps a core busy while another worker waits on a write. Measured on 2
# cores (search alone, wrk at 32 connections): 2 workers 264-291 requests/s at p99 153-161 ms,
# 3 workers 236-279 at 160-191 ms, 4 (the former default, min(4, 2 x cores + 1)) 226 at
# 202-208 ms; under bench/load.py's mix with writes (one run each), 3 workers served 258
# requests/s, 2 only 228.
workers = int(os.environ.get("WEB_CONCURRENCY", len(os.sched_getaffinity(0)) + 1))
# Sync workers, one request at a time each, behind the TLS proxy that buffers slow clients: a
# worker takes a connection only when it is free, so the kernel's accept queue spreads the load.
# Threaded (gthread) workers took every keep-alive connection they could and kept it: under load
# one of three workers once got none, and search p99 was 1.1-2.6 times that of sync workers, for
# fewer requests/s (the work is CPU-bound; bench/load.py). WEB_THREADS > 1 switches to gthread.
threads = int(os.environ.get("WEB_THREADS", "1"))
worker_class = os.environ.get("WEB_WORKER_CLASS", "sync")
timeout = int(os.environ.get("WEB_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so that a slow leak cannot grow without bound (not so often that
# a busy worker restarts, cold, every few seconds).
max_requests = int(os.environ.get("WEB_MAX_REQUESTS", "10000"))
max_requests_jitter = max_requests // 10
# Each worker opens its own database connections and search index readers after the fork.
preload_app = False
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
wsgi_app = "config.wsgi:application"
# The app writes one JSON access line per request (config/logging.py): no second access log.
accesslog = None
errorlog = "-"
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "config.logging.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "loggers": {"gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False}},
}
