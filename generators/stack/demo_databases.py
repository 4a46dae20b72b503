"""PostgreSQL, Redis and MariaDB with their exporters as local processes for the native demo (the `demo.role`s
that catalog kinds name: ROLES).

Real servers watched by the real Debian exporters, started only when the spec declares such services
and the binaries are installed (the packages of each kind's `demo:` in the catalog). PostgreSQL and MariaDB
refuse to run as root: when the demo runs as root, the server runs as its system user (`postgres`, `mysql`)
with its data folder in a fresh temporary folder that user owns.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from generators import catalog

LOOPBACK = "127.0.0.1"
PASSWORD_SECRET = "postgres_password"


@dataclass
class Process:
    """One local process of the native stack (demo.py imports it from here)."""

    name: str
    argv: list[str]
    url: str
    ready_path: str | None  # None: ready when the TCP port accepts connections
    env: dict[str, str] = field(default_factory=dict)
    user: str | None = None
    prepare: Callable[[], None] | None = None
    cleanup: Callable[[], None] | None = None
    stop_signal: int = 15
    handle: subprocess.Popen[bytes] | None = None


def postgres_binary(name: str) -> str | None:
    """initdb/postgres are not on PATH on Debian: /usr/lib/postgresql/<version>/bin, newest first (and servers
    in /usr/sbin, which is not on a user's PATH)."""
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin")
    if found:
        return found
    versions = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4]), reverse=True)
    return versions[0] if versions else None


def _demo(kind: str) -> catalog.Demo:
    demo = catalog.record(kind).demo
    assert demo is not None and demo.role, f"{kind} has no native demo role"
    return demo


def missing(kind: str) -> list[str]:
    """The binaries of the kind's demo role (its catalog record) that are not installed."""
    return [b for b in _demo(kind).binaries if postgres_binary(b) is None]


def native_kinds() -> tuple[str, ...]:
    """Kinds whose demo is a native server and exporter started here (catalog `demo.role`), in catalog order."""
    return tuple(k.name for k in catalog.records() if k.demo is not None and k.demo.role)


PACKAGES = {kind: " ".join(_demo(kind).packages) for kind in native_kinds()}  # apt-get install ...


def _run_as(system_user: str = "postgres") -> str | None:
    """Who runs a server when the demo runs as root: its Debian system user, else nobody (never root)."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(system_user)
    except KeyError:
        return "nobody"
    return system_user


def _private_dir(user: str | None, name: str, work: Path) -> Path:
    """A data folder the server's user owns: a fresh temporary one when it is not the demo's own user."""
    return Path(tempfile.gettempdir()) / f"monitoring-demo-{name}-{secrets.token_hex(6)}" if user else work / "data" / name


def _make_private(path: Path, user: str | None, files: dict[str, str]) -> None:
    """Create the folder (mode 0700) with these files in it, all owned by `user`."""
    path.mkdir(mode=0o700, parents=True, exist_ok=not user)
    for name, text in files.items():
        (path / name).write_text(text)
    if user:
        entry = pwd.getpwnam(user)
        for item in (path, *(path / name for name in files)):
            os.chown(item, entry.pw_uid, entry.pw_gid)
    os.chmod(path, 0o700)


def postgres(work: Path, port: int, exporter: str) -> tuple[list[Process], dict[str, bytes]]:
    """Processes and files (relative to the work dir) for PostgreSQL and its exporter."""
    password = secrets.token_urlsafe(18)
    user = _run_as()
    # Planned, not created: prepare() makes it (mode 0700) when the stack starts, cleanup() removes it.
    data = Path(tempfile.gettempdir()) / f"monitoring-demo-postgres-{secrets.token_hex(6)}" if user else work / "data" / "postgres"
    initdb, server = postgres_binary("initdb"), postgres_binary("postgres")
    assert initdb and server, "checked by missing()"

    def prepare() -> None:
        data.mkdir(mode=0o700, parents=True, exist_ok=not user)
        (data / "pwfile").write_text(password + "\n")
        if user:
            entry = pwd.getpwnam(user)
            for path in (data, data / "pwfile"):
                os.chown(path, entry.pw_uid, entry.pw_gid)
        os.chmod(data, 0o700)
        argv = [initdb, "-D", str(data / "db"), "-U", "postgres", "--auth=scram-sha-256", f"--pwfile={data / 'pwfile'}", "-E", "UTF8"]
        subprocess.run(argv, check=True, capture_output=True, user=user, cwd=data)

    def cleanup() -> None:
        if user:
            shutil.rmtree(data, ignore_errors=True)

    procs = [
        Process(
            "postgres",
            [
                server,
                "-D",
                str(data / "db"),
                "-p",
                str(port),
                "-c",
                f"listen_addresses={LOOPBACK}",
                "-c",
                "unix_socket_directories=",
                "-c",
                "max_connections=20",
            ],
            f"postgresql://{LOOPBACK}:{port}",
            None,
            user=user,
            prepare=prepare,
            cleanup=cleanup,
            stop_signal=2,  # SIGINT: fast shutdown (SIGTERM waits for the exporter's connection to end)
        ),
        Process(
            "postgres-exporter",
            ["prometheus-postgres-exporter", f"--web.listen-address={exporter}"],
            f"http://{exporter}",
            "/metrics",
            env={
                "DATA_SOURCE_URI": f"{LOOPBACK}:{port}/postgres?sslmode=disable",
                "DATA_SOURCE_USER": "postgres",
                "DATA_SOURCE_PASS_FILE": str(work / "secrets" / PASSWORD_SECRET),
            },
        ),
    ]
    return procs, {f"secrets/{PASSWORD_SECRET}": f"{password}\n".encode()}


def redis(work: Path, port: int, exporter: str) -> list[Process]:
    server = [
        "redis-server", "--bind", LOOPBACK, "--port", str(port), "--save", "", "--appendonly", "no",
        "--maxmemory", "128mb", "--dir", str(work / "data"),
    ]  # fmt: skip
    return [
        Process("redis", server, f"redis://{LOOPBACK}:{port}", None),
        Process(
            "redis-exporter",
            ["prometheus-redis-exporter", f"--redis.addr=redis://{LOOPBACK}:{port}", f"--web.listen-address={exporter}"],
            f"http://{exporter}",
            "/metrics",
        ),
    ]


def redis_traffic(port: int, stop: threading.Event, per_second: int = 20) -> None:
    """A little cache traffic (3 hits per miss) so the hit-ratio panels and rules have data."""

    def command(sock: socket.socket, *args: str) -> None:
        sock.sendall(f"*{len(args)}\r\n".encode() + b"".join(f"${len(a)}\r\n{a}\r\n".encode() for a in args))
        sock.recv(4096)

    while not stop.is_set():
        try:
            with socket.create_connection((LOOPBACK, port), timeout=2) as sock:
                command(sock, "SET", "demo:key", "value")
                n = 0
                while not stop.wait(1 / per_second):
                    n += 1
                    command(sock, "GET", "demo:key" if n % 4 else f"demo:missing:{n}")
        except OSError:
            stop.wait(1)


def mysql(work: Path, port: int, exporter: str) -> tuple[list[Process], dict[str, bytes]]:
    """MariaDB (Debian's mariadb-server) on loopback, and mysqld-exporter as an `exporter` user with the grants
    it needs (PROCESS, REPLICATION CLIENT, SLAVE MONITOR, SELECT), created by the server's --init-file at every start."""
    password = secrets.token_urlsafe(18)
    user = _run_as("mysql")
    data = _private_dir(user, "mysql", work)
    install, server = postgres_binary("mariadb-install-db"), postgres_binary("mariadbd")
    assert install and server, "checked by missing()"
    cnf = work / "secrets" / "mysql_exporter.cnf"
    grants = (
        f"CREATE USER IF NOT EXISTS 'exporter'@'{LOOPBACK}' IDENTIFIED BY '{password}' WITH MAX_USER_CONNECTIONS 3;\n"
        f"GRANT PROCESS, REPLICATION CLIENT, SLAVE MONITOR, SELECT ON *.* TO 'exporter'@'{LOOPBACK}';\n"
    )

    def prepare() -> None:
        _make_private(data, user, {"init.sql": grants})
        os.chmod(cnf, 0o600)
        argv = [install, "--no-defaults", f"--datadir={data / 'db'}", "--skip-test-db", "--auth-root-authentication-method=socket"]
        subprocess.run(argv, check=True, capture_output=True, user=user, cwd=data)

    def cleanup() -> None:
        if user:
            shutil.rmtree(data, ignore_errors=True)

    server_argv = [
        server, "--no-defaults", f"--datadir={data / 'db'}", f"--bind-address={LOOPBACK}", f"--port={port}",
        f"--socket={data / 'mysqld.sock'}", f"--pid-file={data / 'mysqld.pid'}", f"--init-file={data / 'init.sql'}",
        "--skip-name-resolve", "--max-connections=20", "--innodb-buffer-pool-size=16M", "--long-query-time=1",
    ]  # fmt: skip
    procs = [
        Process("mysql", server_argv, f"mysql://{LOOPBACK}:{port}", None, user=user, prepare=prepare, cleanup=cleanup),
        Process(
            "mysql-exporter",
            ["prometheus-mysqld-exporter", f"--config.my-cnf={cnf}", f"--web.listen-address={exporter}"],
            f"http://{exporter}",
            "/metrics",
        ),
    ]
    my_cnf = f"[client]\nuser=exporter\npassword={password}\nhost={LOOPBACK}\nport={port}\n"
    return procs, {"secrets/mysql_exporter.cnf": my_cnf.encode()}


Files = dict[str, bytes]  # relative to the work dir: secrets the role generated


@dataclass(frozen=True)
class Role:
    """A native demo role a catalog kind names (`demo.role`): start(work, server port, exporter address)."""

    start: Callable[[Path, int, str], tuple[list[Process], Files]]
    traffic: bool = False  # the stack sends the server a little cache traffic (redis_traffic)


ROLES = {
    "postgres": Role(postgres),
    "redis": Role(lambda work, port, exporter: (redis(work, port, exporter), {}), traffic=True),
    "mysql": Role(mysql),
}
