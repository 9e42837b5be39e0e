import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(args, env_extra):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DEBUG")}
    env.update(env_extra)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)


def test_check_deploy_is_clean_under_the_production_profile():
    result = _run(
        ["check", "--deploy", "--fail-level", "WARNING"],
        {"DJANGO_PROFILE": "production", "SECRET_KEY": "k" * 30 + "-Zx9#q!2@w$e%r^t&y*u(i)o_p+" + "a" * 10,
         "ALLOWED_HOSTS": "zongzhi.example.cn", "AUDIT_HMAC_KEY": "h" * 40},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_profile_refuses_a_missing_secret_key():
    result = _run(["check"], {"DJANGO_PROFILE": "production", "SECRET_KEY": ""})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_profile_refuses_a_missing_audit_key():
    result = _run(["check"], {"DJANGO_PROFILE": "production", "SECRET_KEY": "k" * 60, "AUDIT_HMAC_KEY": ""})
    assert result.returncode != 0
    assert "AUDIT_HMAC_KEY must be set" in result.stderr


def test_production_profile_requires_the_staff_second_factor_behind_one_proxy():
    show = "from django.conf import settings as s; print(s.STAFF_2FA_REQUIRED, s.TRUSTED_PROXY_COUNT)"
    result = _run(["shell", "-c", show], {"DJANGO_PROFILE": "production", "SECRET_KEY": "k" * 60,
                                          "ALLOWED_HOSTS": "zongzhi.example.cn", "AUDIT_HMAC_KEY": "h" * 40})
    assert result.stdout.split()[-2:] == ["True", "1"], result.stdout + result.stderr
    embedded = _run(["shell", "-c", show], {"DJANGO_PROFILE": "development"})
    assert embedded.stdout.split()[-2:] == ["False", "0"], embedded.stdout + embedded.stderr
