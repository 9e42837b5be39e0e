"""The shipped deployment units: the nginx site passes `nginx -t` and keeps private files
internal; the systemd units restart on failure and carry resource limits."""

import configparser
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


@pytest.mark.skipif(not shutil.which("nginx") and not Path("/usr/sbin/nginx").exists(),
                    reason="nginx is not installed (CI installs it)")
def test_the_nginx_site_passes_nginx_t(tmp_path):
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=zongzhi.example.cn", "-keyout", str(tmp_path / "privkey.pem"),
                    "-out", str(tmp_path / "fullchain.pem")], check=True, capture_output=True)
    site = (DEPLOY / "nginx" / "zongzhi.conf").read_text()
    site = site.replace("/etc/ssl/zongzhi/", f"{tmp_path}/").replace("/var/log/nginx/", f"{tmp_path}/")
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n  access_log off;\n  client_body_temp_path {tmp_path}/body;\n"
        f"  proxy_temp_path {tmp_path}/proxy;\n  include {tmp_path}/site.conf;\n}}\n")
    result = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr


def test_private_files_are_internal_and_metrics_are_not_proxied():
    site = (DEPLOY / "nginx" / "zongzhi.conf").read_text()
    private = site.split("location /_private/ {")[1].split("location / {")[0]
    assert "internal;" in private and "sandbox" in private and "nosniff" in private
    assert "location = /metrics { return 404; }" in site
    assert "location /media/ { return 404; }" in site
    assert "client_max_body_size" in site and "proxy_read_timeout" in site


@pytest.mark.parametrize("unit", ["zongzhi-web.service", "zongzhi-worker@.service", "zongzhi-beat.service"])
def test_systemd_units_restart_and_are_limited(unit):
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read(DEPLOY / "systemd" / unit)
    service = parser["Service"]
    assert service["Restart"] in {"always", "on-failure"} and service["RestartSec"]
    assert service["MemoryMax"] and service["NoNewPrivileges"] == "true"
    assert service["EnvironmentFile"].lstrip("-").startswith("/etc/zongzhi/")
    assert parser["Install"]["WantedBy"] == "multi-user.target"
    command = service["ExecStart"]
    assert command.startswith("/srv/zongzhi/app/.venv/bin/")
    assert ("config.wsgi:application" in command) or ("-A config" in command)
