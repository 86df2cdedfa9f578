"""Sending the report to the insurer: one batch per transaction, committed only once the mail is
accepted.

Shared by the settings page and ``flask --app storefront insurance send-report``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import current_app

from storefront import mail
from storefront.extensions import db
from storefront.models import InsurerBatch
from storefront.services import insurance_settings, report

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SendResult:
    batch: InsurerBatch | None
    error: str | None = None
    nothing_to_send: bool = False
    # Cover events still unsent after this batch (it holds at most STOREFRONT_REPORT_BATCH_EVENTS).
    remaining: int = 0


def send_report(sent_by: str) -> SendResult:
    config = current_app.config
    settings = insurance_settings.find_settings(db.session)
    recipient = settings.insurer_email if settings is not None else None
    if not recipient:
        return SendResult(None, error="no-recipient")
    currency = config["STOREFRONT_CURRENCY"]
    try:
        batch = report.send_unsent(
            db.session,
            recipient=recipient,
            sender=config["MAIL_FROM"],
            sent_by=sent_by,
            currency=currency,
            shop_name=config["STOREFRONT_NAME"],
            deliver=lambda message: mail.deliver(message, config, current_app.instance_path),
            max_events=config["STOREFRONT_REPORT_BATCH_EVENTS"],
        )
        db.session.commit()
    except report.NothingToSend:
        db.session.rollback()
        return SendResult(None, nothing_to_send=True)
    except mail.MailError as exc:
        db.session.rollback()
        log.error("insurer report not sent to %s: %s", recipient, exc)
        failed = report.record_failure(
            db.session, recipient=recipient, sent_by=sent_by, currency=currency, error=str(exc)
        )
        db.session.commit()
        return SendResult(failed, error=str(exc))
    log.info(
        "insurer report batch %s sent to %s (%s events)", batch.id, recipient, batch.event_count
    )
    return SendResult(batch, remaining=report.unsent_count(db.session))
