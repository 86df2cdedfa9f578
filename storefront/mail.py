"""Sending e-mail: through SMTP when ``MAIL_SERVER`` is set, else into ``instance/outbox/``."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any


class MailError(Exception):
    """The message was not accepted: nothing was sent."""


def deliver(message: EmailMessage, config: Mapping[str, Any], instance_path: str) -> str:
    """Send ``message``; returns where it went (``smtp://host:port`` or the .eml path).

    Returns only once the SMTP server accepted the message for every recipient.

    :raises MailError: when the server cannot be reached or refuses the message.
    """
    server = config.get("MAIL_SERVER")
    if not server:
        return str(_write_to_outbox(message, Path(instance_path) / "outbox"))
    port = int(config.get("MAIL_PORT") or 25)
    try:
        if config.get("MAIL_USE_SSL"):
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                server, port, timeout=30, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(server, port, timeout=30)
        with smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls(context=ssl.create_default_context())
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            refused = smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"{type(exc).__name__}: {exc}") from exc
    if refused:
        raise MailError(f"recipients refused: {', '.join(refused)}")
    return f"smtp://{server}:{port}"


def _write_to_outbox(message: EmailMessage, outbox: Path) -> Path:
    outbox.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    path = outbox / f"{stamp}.eml"
    path.write_bytes(message.as_bytes())
    return path
