"""Email (SMTP): the digest. The SMTP password, when there is one, is a secret file."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from generators.outputs.alertmanager.channel_type import ChannelType, DemoSink, Secret, SecretFile, template


def render(settings: Mapping[str, Any], secret_file: SecretFile) -> dict[str, Any]:
    out: dict[str, Any] = {
        "to": settings["to"],
        "from": settings["from"],
        "smarthost": settings["smarthost"],
        "require_tls": settings.get("require_tls", True),
    }
    if "auth_username" in settings:
        out["auth_username"] = settings["auth_username"]
    if "auth_password_secret" in settings:
        out["auth_password_file"] = secret_file(settings["auth_password_secret"])
    out["headers"] = {"Subject": template("email.monitoring.subject")}
    out["html"] = template("email.monitoring.html")
    out["text"] = template("email.monitoring.text")
    return out


CHANNEL = ChannelType(
    name="email",
    config_key="email_configs",
    fields={
        "to": {"type": "string", "examples": ["sre@example.com"], "x-string": "email-list"},
        "from": {"type": "string", "examples": ["alertmanager@example.com"], "x-string": "email"},
        "smarthost": {"type": "string", "examples": ["smtp.example.com:587"], "x-string": "host-port"},
        "auth_username": {"type": "string", "x-string": "go-template-text"},
        "auth_password_secret": {},
        "require_tls": {"type": "boolean"},
    },
    required=("to", "from", "smarthost"),
    secrets={"auth_password_secret": Secret("smtp_password", "REPLACE-WITH-THE-SMTP-PASSWORD")},
    examples=(
        {"to": "sre@example.com", "from": "alertmanager@example.com", "smarthost": "smtp.example.com:587"},
        {
            "to": "sre@example.com",
            "from": "alertmanager@example.com",
            "smarthost": "smtp.example.com:587",
            "auth_username": "alertmanager@example.com",
            "auth_password_secret": "smtp_password",
            "require_tls": False,
        },
    ),
    render=render,
    # auth_password_file: "Add support for reading global and local SMTP passwords from files" (0.25.0, #3038)
    versions={
        "to": "0.15.0",
        "from": "0.15.0",
        "smarthost": "0.15.0",
        "require_tls": "0.15.0",
        "auth_username": "0.15.0",
        "auth_password_file": "0.25.0",
        "headers": "0.15.0",
        "html": "0.15.0",
        "text": "0.15.0",
    },
    # The SMTP sink offers no STARTTLS, so the demo turns require_tls off.
    sink=DemoSink(
        protocol="smtp",
        path="",
        where="smtp://{smtp} (to {settings[to]})",
        config={"smarthost": "{smtp}", "require_tls": False},
    ),
)
