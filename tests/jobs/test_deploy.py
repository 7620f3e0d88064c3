"""The production configuration passes ``check --deploy`` and sends the security headers."""

import os
import secrets
import subprocess
import sys

import pytest

from tests.jobs.procs import ROOT


def serve_env(tmp_path) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTEST", "DJANGO_SETT", "DJANGO_ALLOW_ASYNC"))
    }
    # The same values as `make serve` (Makefile: SERVE_ENV).
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.base",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        SECURE_SSL_REDIRECT="true",
        SECURE_HSTS_PRELOAD="true",
        VAR_DIR=str(tmp_path / "var"),
    )
    return env


def test_check_deploy_is_clean_with_the_serve_settings(tmp_path):
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=serve_env(tmp_path), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout


def test_without_a_secret_key_production_refuses_to_start(tmp_path):
    env = serve_env(tmp_path)
    env["SECRET_KEY"] = ""
    done = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode != 0
    assert "SECRET_KEY" in done.stderr


@pytest.mark.django_db
def test_pages_carry_a_strict_content_security_policy(client):
    response = client.get("/healthz")
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["default-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy


def test_the_jobs_api_schema_has_no_warnings():
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator

    GENERATOR_STATS.reset()
    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert "/api/v1/jobs/{id}/retry/" in schema["paths"]
    mine = [
        item
        for item in [*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache]
        if "jobs" in str(item).lower()
    ]
    assert mine == []


@pytest.mark.django_db
def test_the_api_docs_page_obeys_the_policy(client):
    import base64
    import hashlib
    import re

    response = client.get("/api/docs/")
    html = response.content.decode()
    assert response.status_code == 200
    assert not re.search(r"<script>\s*\S", html), "no inline script"
    for style in re.findall(r"<style>(.*?)</style>", html, re.S):
        digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in response["Content-Security-Policy"]
    script = re.search(r'<script src="([^"]*\?script[^"]*)"', html)
    assert script, "the page script is served as a file"
    assert client.get(script.group(1).replace("&amp;", "&")).status_code == 200
