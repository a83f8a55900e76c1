"""The configuration contract: every variable documented, production refuses unsafe defaults."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ENV_READ = re.compile(r"""env(?:\.\w+)?\(\s*["']([A-Z0-9_]+)["']""")


def _documented_variables() -> set[str]:
    names = set()
    for line in (ROOT / ".env.example").read_text().splitlines():
        match = re.match(r"^(?:#\s*)?([A-Z0-9_]+)=", line)
        if match:
            names.add(match.group(1))
    return names


def test_every_environment_variable_read_by_settings_is_in_env_example():
    read = set()
    for path in (ROOT / "config" / "settings").glob("*.py"):
        read |= set(ENV_READ.findall(path.read_text()))
    assert read, "the pattern found no env reads: the test would prove nothing"
    missing = read - _documented_variables()
    assert not missing, f".env.example does not list: {sorted(missing)}"


def _run_production(extra_env: dict, *args: str) -> subprocess.CompletedProcess:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "REDIS_", "S3_"))
    }
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings.production", **extra_env})
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION_ENV = {
    "DJANGO_SECRET_KEY": "a-long-random-production-secret-" + "x" * 40,
    "DJANGO_ALLOWED_HOSTS": "desk.example.com",
    "DATABASE_URL": "postgres://tenantdesk@127.0.0.1:5432/tenantdesk",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "DJANGO_SECRET_KEY"}
    result = _run_production(env, "check")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_settings_pass_the_deployment_checklist():
    result = _run_production(PRODUCTION_ENV, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_redis():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "REDIS_URL"}
    result = _run_production(env, "check")
    assert result.returncode != 0
    assert "REDIS_URL" in result.stderr


def test_production_uses_redis_for_the_channel_layer_and_the_send_limit():
    code = (
        "from django.conf import settings as s;"
        "print(s.CHANNEL_LAYERS['default']['BACKEND'], s.CACHES['ratelimit']['BACKEND'])"
    )
    result = _run_production(PRODUCTION_ENV, "shell", "-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == [
        "tenantdesk.chat.layer.WatchedPubSubChannelLayer",
        "django.core.cache.backends.redis.RedisCache",
    ]


@pytest.mark.parametrize("variable, expected", [(None, "5.0"), ("1.5", "1.5")])
def test_a_request_waits_seconds_not_half_a_minute_for_a_pooled_connection(variable, expected):
    # psycopg_pool waits 30 s by default: with PostgreSQL down, every send hung that long.
    env = {**PRODUCTION_ENV, **({"DATABASE_POOL_TIMEOUT": variable} if variable else {})}
    code = (
        "from django.conf import settings as s;"
        "print(s.DATABASES['default']['OPTIONS']['pool']['timeout'])"
    )
    result = _run_production(env, "shell", "-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == expected


def test_channel_layer_reads_outlive_its_blocking_pop():
    # An idle socket waits in a blocking pop; a read timeout shorter than the pop closed
    # every idle socket (tests/integration/test_production_sockets.py shows it end to end).
    from channels_redis.core import RedisChannelLayer

    from config.settings.base import REDIS_CONNECTION_OPTIONS

    timeout = REDIS_CONNECTION_OPTIONS["socket_timeout"]
    assert RedisChannelLayer.brpop_timeout < timeout <= 30


def test_collected_chat_modules_import_each_other_by_their_hashed_names(tmp_path):
    # A browser caches a hashed file for good: the modules a new main.js imports must be
    # the new ones, not an old store.js kept under the unchanging plain name.
    env = {**PRODUCTION_ENV, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    env["STATIC_ROOT"] = str(tmp_path / "static")
    result = _run_production(env, "collectstatic", "--noinput", "-v", "0")
    assert result.returncode == 0, result.stderr
    chat_js = tmp_path / "static" / "chat" / "js"
    [main] = [p for p in chat_js.glob("main.*.js") if p.name != "main.js"]
    imports = re.findall(r'from "\./([^"]+)"', main.read_text())
    assert imports, "main.js imports nothing: the check would prove nothing"
    assert all(re.fullmatch(r"[a-z]+\.[0-9a-f]{12}\.js", name) for name in imports), imports


# What a real deployment sets (deploy/README.md), with a key as random as it should be.
DEPLOYMENT_ENV = {
    **PRODUCTION_ENV,
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://desk.example.com",
    "S3_BUCKET": "tenantdesk-media",
    "S3_ENDPOINT_URL": "https://storage.example.com",
    "S3_ACCESS_KEY_ID": "access",
    "S3_SECRET_ACCESS_KEY": "secret",
    "S3_REGION": "eu-central-1",
}


def test_check_deploy_reports_nothing_but_the_documented_hsts_preload_reminder():
    result = _run_production(DEPLOYMENT_ENV, "check", "--deploy")
    assert result.returncode == 0, result.stderr
    # One silenced check, and only this one: W021 asks to join the browsers' HSTS
    # preload list, the operator's choice (deploy/README.md, production.py).
    assert result.stdout.strip() == "System check identified no issues (1 silenced).", (
        result.stdout + result.stderr
    )
    assert result.stderr == ""
    code = "from django.conf import settings as s; print(s.SILENCED_SYSTEM_CHECKS)"
    shown = _run_production(DEPLOYMENT_ENV, "shell", "-c", code)
    assert shown.stdout.strip().splitlines()[-1] == "['security.W021']"


def test_check_deploy_silences_nothing_once_the_site_asks_for_hsts_preload():
    env = {**DEPLOYMENT_ENV, "DJANGO_SECURE_HSTS_PRELOAD": "true"}
    result = _run_production(env, "check", "--deploy")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."
