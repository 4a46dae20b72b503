"""Building blocks of compose services: pinned images (catalog/versions.yaml, catalog/images.yaml), hardening, healthchecks."""

from __future__ import annotations

from typing import Any

from generators import catalog
from generators.model import conventions

IMAGES_FILE = catalog.IMAGES_FILE
NOBODY = "65534:65534"
images = catalog.images


def hardened(memory: str, user: str | None = NOBODY, tmpfs: tuple[str, ...] = ("/tmp",)) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if user is not None:
        out["user"] = user
    out.update(
        read_only=True,
        tmpfs=list(tmpfs),
        security_opt=["no-new-privileges:true"],
        cap_drop=["ALL"],
        mem_limit=memory,
        restart="unless-stopped",
    )
    return out


def health(*test: str) -> dict[str, Any]:
    return {"test": ["CMD", *test], "interval": "10s", "timeout": "5s", "retries": 5, "start_period": "20s"}


def http_health(port: int, path: str) -> dict[str, Any]:
    return health("wget", "-q", "--spider", f"http://127.0.0.1:{port}{path}")


def authenticated_health(port: int, path: str) -> dict[str, Any]:
    """A health check through the web config's basic auth: the password is read from its secret file when the
    check runs, never written into the compose file (backticks, not `$(...)`: compose would interpolate `$`)."""
    password = f"`cat {conventions.secret_path(conventions.WEB_PASSWORD_SECRET)}`"
    url = f"http://{conventions.WEB_USER}:{password}@127.0.0.1:{port}{path}"
    return {**health(), "test": ["CMD-SHELL", f'wget -q --spider "{url}"']}


def healthy(*services: str) -> dict[str, Any]:
    return {name: {"condition": "service_healthy"} for name in services}


def local(host_port: int, port: int) -> str:
    return f"127.0.0.1:{host_port}:{port}"
