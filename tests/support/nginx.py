"""Debian's nginx (``/usr/sbin/nginx``) in front of a real gunicorn, as deploy/nginx/lfo.conf
sets it up: a self-signed certificate made here, the shipped site file rendered with this run's
paths and ports (every line the operator would change is substituted, nothing else), and a main
``nginx.conf`` of temporary paths (pid, logs, temp folders) run in the foreground on loopback."""

from __future__ import annotations

import datetime as dt
import http.client
import ipaddress
import os
import pwd
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from support.servers import ROOT, Answer

NGINX = "/usr/sbin/nginx"
SITE = ROOT / "deploy" / "nginx" / "lfo.conf"
NAME = "localhost"


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for ``localhost`` and 127.0.0.1 and its key (PEM files in ``folder``)."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, NAME)])
    now = dt.datetime.now(dt.UTC)
    names = [x509.DNSName(NAME), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    return cert_path, key_path


def render_site(text: str, values: Mapping[str, str]) -> str:
    """``text`` with each key replaced by its value; every key must be in the file (so a
    change to the shipped file cannot leave a line of this machine's untested)."""
    for old, new in values.items():
        if old not in text:
            raise AssertionError(f"deploy/nginx/lfo.conf no longer holds {old!r}")
        text = text.replace(old, new)
    return text


@dataclass
class Stack:
    """nginx's ports, its folder (logs in ``logs/``) and the certificate to trust."""

    http_port: int
    https_port: int
    folder: Path
    cert: Path
    process: subprocess.Popen[bytes]

    @property
    def origin(self) -> str:
        return f"https://{NAME}:{self.https_port}"

    def log(self, name: str) -> str:
        path = self.folder / "logs" / name
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def tls(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.cert))

    def https(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        source: str = "127.0.0.1",
    ) -> Answer:
        """One request over TLS from the address ``source`` (a loopback address)."""
        conn = http.client.HTTPSConnection(
            "127.0.0.1",
            self.https_port,
            context=self.tls(),
            timeout=60,
            source_address=(source, 0),
        )
        sent = {"Host": f"{NAME}:{self.https_port}", **(headers or {})}
        try:
            conn.request(method, path, body=body, headers=sent)
            resp = conn.getresponse()
            return Answer(resp.status, resp.headers, resp.read())
        finally:
            conn.close()


def main_conf(folder: Path, site: Path) -> str:
    """A main configuration like Debian's /etc/nginx/nginx.conf, with this run's paths."""
    user = f"user {pwd.getpwuid(os.getuid()).pw_name};" if os.getuid() == 0 else ""
    temp = folder / "temp"
    return f"""{user}
worker_processes 1;
daemon off;
pid {folder}/nginx.pid;
error_log {folder}/logs/error.log warn;
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    access_log {folder}/logs/access.log;
    include {site};
}}
"""


def wait_for_port(port: int, process: subprocess.Popen[bytes], errors: Path) -> None:
    deadline = time.monotonic() + 20
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"nginx exited ({process.returncode}):\n{errors.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"nginx never answered:\n{errors.read_text()}") from None
            time.sleep(0.05)


@contextmanager
def nginx(folder: Path, upstream_socket: Path, http_port: int, https_port: int) -> Iterator[Stack]:
    """deploy/nginx/lfo.conf in front of the gunicorn on ``upstream_socket``, until the block
    ends."""
    for sub in ("logs", "temp", "cache"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    cert, key = self_signed(folder)
    site = folder / "lfo.conf"
    site.write_text(
        render_site(
            SITE.read_text(encoding="utf-8"),
            {
                "server unix:/run/lfo/web.sock;": f"server unix:{upstream_socket};",
                "/var/cache/nginx/lfo": str(folder / "cache"),
                "listen 80;": f"listen 127.0.0.1:{http_port};",
                "    listen [::]:80;\n": "",
                "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
                "    listen [::]:443 ssl http2;\n": "",
                "server_name lfo.example.gov.uk;": f"server_name {NAME};",
                "https://$server_name$request_uri": f"https://$server_name:{https_port}$request_uri",
                "/etc/ssl/lfo/fullchain.pem": str(cert),
                "/etc/ssl/lfo/privkey.pem": str(key),
                "/var/log/nginx/": f"{folder}/logs/",
                "/srv/lfo/": f"{ROOT}/",
            },
        ),
        encoding="utf-8",
    )
    conf = folder / "nginx.conf"
    conf.write_text(main_conf(folder, site), encoding="utf-8")
    errors = folder / "logs" / "stderr.log"
    command = [NGINX, "-p", str(folder), "-c", str(conf), "-e", str(folder / "logs" / "error.log")]
    with open(errors, "wb") as err:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=err)
    try:
        wait_for_port(https_port, process, errors)
        wait_for_port(http_port, process, errors)
        yield Stack(http_port, https_port, folder, cert, process)
    finally:
        process.terminate()  # SIGTERM: fast shutdown
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
