"""A throw-away site for tests with real processes: its own database, media, index and queue."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import dj_database_url

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Site:
    """Settings by environment, a fresh database (SQLite file, or PostgreSQL when configured)."""

    def __init__(self, tmp: Path, template: Site | None = None, **env: str):
        """A fresh site in ``tmp``; with ``template``, a copy of that (migrated) site's data."""
        self.tmp = tmp
        tmp.mkdir(parents=True, exist_ok=True)
        self.processes: list[subprocess.Popen] = []
        base_url = os.environ.get("DATABASE_URL", "")
        self.pg_name = None
        if base_url.startswith("postgres"):
            self.pg_name = f"sce_proc_{uuid.uuid4().hex[:10]}"
            source = f' TEMPLATE "{template.pg_name}"' if template else ""
            self._pg_admin(f'CREATE DATABASE "{self.pg_name}"{source}')
            parsed = dj_database_url.parse(base_url)
            url = base_url.rsplit("/", 1)[0] + "/" + self.pg_name
            self.db = dict(parsed, NAME=self.pg_name)
        else:
            url = f"sqlite:///{tmp / 'db.sqlite3'}"
            self.db = None
            if template is not None:
                with sqlite3.connect(template.tmp / "db.sqlite3") as src:
                    with sqlite3.connect(tmp / "db.sqlite3") as dst:
                        src.backup(dst)
        self.database_url = url
        self.env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("PYTEST", "DJANGO_SETTINGS"))
        }
        self.env.update(
            DJANGO_SETTINGS_MODULE="config.settings.base",
            DATABASE_URL=url,
            VAR_DIR=str(tmp / "var"),
            MEDIA_ROOT=str(tmp / "media"),
            SEARCH_INDEX_DIR=str(tmp / "index"),
            STATIC_ROOT=str(tmp / "static"),
            JOBS_QUEUE=f"test-{uuid.uuid4().hex[:10]}",
            JOBS_HEARTBEAT_SECONDS="0.5",
            LOG_FORMAT="json",
            PYTHONUNBUFFERED="1",
        )
        self.env.update(env)

    def _pg_admin(self, statement: str) -> None:
        import psycopg

        parsed = dj_database_url.parse(os.environ["DATABASE_URL"])
        with psycopg.connect(
            host=parsed["HOST"] or None,
            port=parsed["PORT"] or None,
            user=parsed["USER"] or None,
            password=parsed["PASSWORD"] or None,
            dbname="postgres",
            autocommit=True,
        ) as conn:
            conn.execute(statement)

    def manage(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        """Run ``manage.py args`` to its end; raise with its output when it fails."""
        done = subprocess.run(
            [PYTHON, "manage.py", *args],
            cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=timeout,
        )  # fmt: skip
        if done.returncode != 0:
            raise AssertionError(
                f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
            )
        return done

    def start(self, *args: str, name: str) -> subprocess.Popen:
        """Start a long-running process in its own process group, logging to a file."""
        log = (self.tmp / f"{name}.log").open("ab")
        process = subprocess.Popen(
            args, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        self.processes.append(process)
        return process

    def start_worker(self, name: str = "worker") -> subprocess.Popen:
        return self.start(PYTHON, "manage.py", "jobs_worker", "--interval", "0.2", name=name)

    def log(self, name: str) -> str:
        path = self.tmp / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def sql(self, query: str, params: tuple = ()) -> list[tuple]:
        """Read the site's database directly (no Django in this process for it)."""
        if self.db is None:
            with sqlite3.connect(self.tmp / "db.sqlite3", timeout=30) as conn:
                return conn.execute(query, params).fetchall()
        import psycopg

        with psycopg.connect(
            host=self.db["HOST"] or None, port=self.db["PORT"] or None,
            user=self.db["USER"] or None, password=self.db["PASSWORD"] or None,
            dbname=self.pg_name,
        ) as conn:  # fmt: skip
            return conn.execute(query.replace("?", "%s"), params).fetchall()

    def job(self, job_id: int) -> dict:
        row = self.sql(
            "SELECT status, attempts, error, progress_done, progress_total, worker"
            " FROM jobs_job WHERE id = ?",
            (job_id,),
        )[0]
        return dict(
            zip(["status", "attempts", "error", "done", "total", "worker"], row, strict=True)
        )

    def wait_for(self, predicate, timeout: float, what: str, interval: float = 0.05):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(interval)
        raise AssertionError(f"timed out waiting for {what}")

    def write_json(self, name: str, data) -> Path:
        path = self.tmp / name
        path.write_text(json.dumps(data, ensure_ascii=False))
        return path

    def stop(self, process: subprocess.Popen, sig=signal.SIGTERM, timeout: float = 15) -> None:
        if process.poll() is None:
            try:
                os.killpg(process.pid, sig)
            except ProcessLookupError:
                return
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)

    def close(self) -> None:
        for process in self.processes:
            self.stop(process)
        if self.pg_name:
            self._pg_admin(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')
