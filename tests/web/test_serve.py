"""web/serve.py and ``forcemap serve``: the token kept out of the access log, HTTPS, the
bind checks before "serving at", on real server subprocesses."""

from __future__ import annotations

import logging
import shutil
import socket
import ssl
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from forcemap.errors import InputError
from forcemap.web.serve import TokenRedactingFilter, bind_socket, check_tls

from .conftest import TOKEN, _serve

OPENSSL = shutil.which("openssl")


def test_redacting_filter_on_a_uvicorn_style_record() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5", "GET", "/industries?a=1&token=SECRET&b=2", "1.1", 303),
        None,
    )
    assert TokenRedactingFilter().filter(record)
    line = record.getMessage()
    assert "SECRET" not in line
    assert "/industries?a=1&token=[redacted]&b=2" in line


def test_access_log_never_shows_the_token(synergy_store_path: Path, tmp_path: Path) -> None:
    """A real server with a token: a ?token=SECRET visit is logged without SECRET, redirected
    to the URL without it, and the cookie it set carries the next requests."""
    secret = "SECRET-" + TOKEN
    with _serve(
        synergy_store_path, tmp_path, "--host", "127.0.0.1", env={"FORCEMAP_TOKEN": secret}
    ) as url:
        with httpx.Client(base_url=url, follow_redirects=True) as c:
            r = c.get("/industries", params={"token": secret, "x": "1"})
            assert r.status_code == 200 and str(r.url).endswith("/industries?x=1")
            assert r.history and r.history[0].status_code == 303
            assert c.get("/api/v1/overview").status_code == 200  # the cookie
            bearer = httpx.get(
                url + "/api/v1/overview", headers={"Authorization": f"Bearer {secret}"}
            )
            assert bearer.status_code == 200
            assert httpx.get(url + f"/api/v1/overview?token={secret}").status_code == 200
    log = (tmp_path / "server.log").read_text()
    assert "GET /industries?token=[redacted]&x=1" in log, log
    assert "GET /api/v1/overview?token=[redacted]" in log
    assert secret not in log


def test_check_tls_validation(tmp_path: Path) -> None:
    assert check_tls(None, None) is False
    with pytest.raises(InputError, match="together"):
        check_tls(tmp_path / "cert.pem", None)
    with pytest.raises(InputError, match="together"):
        check_tls(None, tmp_path / "key.pem")
    with pytest.raises(InputError, match="does not exist or is not readable"):
        check_tls(tmp_path / "cert.pem", tmp_path / "key.pem")
    (tmp_path / "cert.pem").write_text("not a certificate")
    (tmp_path / "key.pem").write_text("not a key")
    with pytest.raises(InputError, match="cannot load the certificate"):
        check_tls(tmp_path / "cert.pem", tmp_path / "key.pem")


def _self_signed(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 made with openssl (skips without it)."""
    if OPENSSL is None:
        pytest.skip("no openssl executable to make a self-signed certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            OPENSSL,
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def test_https_with_a_self_signed_certificate(synergy_store_path: Path, tmp_path: Path) -> None:
    cert, key = _self_signed(tmp_path)
    assert check_tls(cert, key) is True
    with _serve(
        synergy_store_path,
        tmp_path,
        "--certfile",
        str(cert),
        "--keyfile",
        str(key),
        https=True,
    ) as url:
        assert url.startswith("https://")
        trust = ssl.create_default_context(cafile=str(cert))
        r = httpx.get(url + "/api/v1/overview", verify=trust)
        assert r.status_code == 200 and r.json()["tables"]["works"] == 7518
        assert r.headers["x-frame-options"] == "DENY"
        with pytest.raises(httpx.TransportError):
            httpx.get(url.replace("https://", "http://") + "/health", timeout=5)
    assert "serving" in (tmp_path / "server.log").read_text()
    assert "https://127.0.0.1:" in (tmp_path / "server.log").read_text()


def _cli(
    store: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "forcemap", "--store", str(store), "serve", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def test_port_in_use_fails_before_serving_at(synergy_store_path: Path) -> None:
    """The socket is bound before "serving at" is printed: a busy port is an error, and
    nothing claims to serve."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(InputError, match=r"cannot listen on 127\.0\.0\.1"):
            bind_socket("127.0.0.1", port)
        r = _cli(synergy_store_path, "--port", str(port))
    assert r.returncode == 2, r.stdout + r.stderr
    assert "cannot listen on 127.0.0.1" in r.stderr and "--port" in r.stderr
    assert "serving" not in r.stdout


def test_serve_cli_refuses_half_tls_and_open_binding(
    synergy_store_path: Path, tmp_path: Path
) -> None:
    import os

    env = {k: v for k, v in os.environ.items() if k != "FORCEMAP_TOKEN"}
    r = _cli(synergy_store_path, "--port", "0", "--certfile", str(tmp_path / "c.pem"), env=env)
    assert r.returncode == 2 and "--certfile and --keyfile together" in r.stderr
    assert "serving" not in r.stdout
    r = _cli(synergy_store_path, "--host", "0.0.0.0", "--port", "0", env=env)
    assert r.returncode == 2 and "FORCEMAP_TOKEN" in r.stderr
    assert "serving" not in r.stdout
