"""The client address comes from the trusted-proxy setting, in one helper used everywhere."""

from pathlib import Path

import pytest
from django.test import RequestFactory

from grid.client_address import client_ip

ROOT = Path(__file__).resolve().parents[2]


def _request(remote="127.0.0.1", forwarded=None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


def test_without_a_proxy_the_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(_request("203.0.113.9", "1.2.3.4")) == "203.0.113.9"


def test_behind_one_proxy_the_last_entry_is_the_client(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The client forged "1.2.3.4"; nginx appended the address it really saw.
    assert client_ip(_request("127.0.0.1", "1.2.3.4, 198.51.100.7")) == "198.51.100.7"


def test_behind_two_proxies_the_second_from_the_right_is_the_client(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(_request("127.0.0.1", "1.2.3.4, 198.51.100.7, 10.0.0.2")) == "198.51.100.7"


@pytest.mark.parametrize("forwarded", ["", "not-an-address"])
def test_a_missing_or_garbled_header_falls_back_to_the_socket(settings, forwarded):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(_request("127.0.0.1", forwarded)) == "127.0.0.1"


def test_sms_code_throttle_counts_each_visitor_behind_the_proxy(client, db, settings):
    """20 code requests from one visitor must not lock out everyone behind nginx."""
    from grid import accounts
    from grid.models import LoginCode

    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(accounts.LOGIN_CODES_PER_HOUR_IP):
        client.post("/accounts/login/sms/", {"step": "send", "phone": f"136000{n:05d}"},
                    REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7")
    response = client.post("/accounts/login/sms/", {"step": "send", "phone": "13611112222"},
                           REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.8")
    assert "验证码已发送到136****2222" in response.content.decode()
    assert set(LoginCode.objects.values_list("ip", flat=True)) == {"198.51.100.7", "198.51.100.8"}
    blocked = client.post("/accounts/login/sms/", {"step": "send", "phone": "13611113333"},
                          REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert "当前网络获取验证码过于频繁" in blocked.content.decode()


def test_no_code_reads_remote_addr_but_the_helper():
    offenders = []
    for path in ROOT.rglob("*.py"):
        if {".venv", "tests", "benchmarks"} & set(path.relative_to(ROOT).parts):
            continue
        if path.relative_to(ROOT).as_posix() == "grid/client_address.py":
            continue
        text = path.read_text(encoding="utf-8")
        if "REMOTE_ADDR" in text or "X_FORWARDED_FOR" in text:
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
