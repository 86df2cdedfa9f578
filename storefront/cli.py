"""Flask commands: ``flask --app storefront demo load``, ``... users create`` and friends."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from storefront import demo
from storefront.domain.roles import ROLES
from storefront.extensions import db
from storefront.services import accounts
from storefront.services import insurance_settings as insurance_service
from storefront.services.errors import (
    EmailTaken,
    InvalidEmail,
    PasswordTooShort,
    UserNotFound,
)


def init_app(app: Flask) -> None:
    app.cli.add_command(demo_group)
    app.cli.add_command(insurance_group)
    app.cli.add_command(users_group)


# AppGroup: every command runs in an app context, under `flask` and in test_cli_runner alike.
@click.group("demo", cls=AppGroup, help="Demo data.")
def demo_group() -> None:
    pass


@demo_group.command("load")
@click.option("--if-empty", is_flag=True, help="Do nothing when the catalogue has products.")
def demo_load(if_empty: bool) -> None:
    """Load the demo catalogue and, outside production, a staff account per role."""
    if if_empty and not demo.is_empty(db.session):
        click.echo("The catalogue has products: demo data not loaded.")
        return
    demo.load(db.session, current_app.config["STOREFRONT_CURRENCY"])
    if insurance_service.find_settings(db.session) is None:
        demo.load_insurance(
            db.session,
            current_app.config["STOREFRONT_CURRENCY"],
            current_app.config["STOREFRONT_DEFAULT_LANGUAGE"],
        )
    if current_app.config["STOREFRONT_ENV"] == "production":
        # A well-known password must never open a real shop's back office.
        created = []
        click.echo("Production: the demo staff accounts are not created.")
    else:
        created = demo.load_staff(db.session)
    db.session.commit()
    click.echo("Demo data loaded.")
    for user in created:
        click.echo(
            f"Demo staff account: {user.email} ({user.role}), password {demo.STAFF_PASSWORD}."
        )


@click.group("users", cls=AppGroup, help="Staff accounts.")
def users_group() -> None:
    pass


def _read_password() -> str:
    """A hidden prompt with confirmation at a terminal, else one line of standard input."""
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\r\n")


@users_group.command("create")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice(ROLES), help="What the user may do.")
def users_create(email: str, role: str) -> None:
    """Add a staff user. The password is asked for (or read from standard input)."""
    password = _read_password()
    try:
        user = accounts.create_user(db.session, email, password, role)
    except InvalidEmail as exc:
        raise click.ClickException(f"{email!r} is not an e-mail address.") from exc
    except PasswordTooShort as exc:
        raise click.ClickException(
            f"The password must have at least {exc.minimum} characters."
        ) from exc
    except EmailTaken as exc:
        db.session.rollback()
        raise click.ClickException(f"A user with the e-mail address {email} exists.") from exc
    db.session.commit()
    click.echo(f"Created {user.email} ({user.role}).")


@users_group.command("list")
def users_list() -> None:
    """Every staff user: e-mail address, role, and whether the account is active."""
    users = accounts.list_users(db.session)
    if not users:
        click.echo("No users.")
        return
    width = max(len(user.email) for user in users)
    for user in users:
        state = "active" if user.active else "inactive"
        click.echo(f"{user.email:<{width}}  {user.role:<8}  {state}")


@users_group.command("set-role")
@click.argument("email")
@click.argument("role", type=click.Choice(ROLES))
def users_set_role(email: str, role: str) -> None:
    """Give a user another role; their current sessions end."""
    try:
        user = accounts.set_role(db.session, email, role)
    except UserNotFound as exc:
        raise click.ClickException(f"No user has the e-mail address {email}.") from exc
    db.session.commit()
    click.echo(f"{user.email} is now {user.role}.")


@users_group.command("set-password")
@click.argument("email")
def users_set_password(email: str) -> None:
    """Give a user a new password; their current sessions end."""
    password = _read_password()
    try:
        user = accounts.set_password(db.session, email, password)
    except UserNotFound as exc:
        raise click.ClickException(f"No user has the e-mail address {email}.") from exc
    except PasswordTooShort as exc:
        raise click.ClickException(
            f"The password must have at least {exc.minimum} characters."
        ) from exc
    db.session.commit()
    click.echo(f"Password of {user.email} changed.")


@users_group.command("deactivate")
@click.argument("email")
def users_deactivate(email: str) -> None:
    """Stop a user from logging in; their current sessions end."""
    try:
        user = accounts.deactivate(db.session, email)
    except UserNotFound as exc:
        raise click.ClickException(f"No user has the e-mail address {email}.") from exc
    db.session.commit()
    click.echo(f"{user.email} is deactivated.")


@click.group("insurance", cls=AppGroup, help="Cancellation insurance configuration.")
def insurance_group() -> None:
    pass


@insurance_group.command("export")
@click.option(
    "-o",
    "--output",
    type=click.File("w", encoding="utf-8"),
    default="-",
    help="File to write (default: standard output).",
)
def insurance_export(output) -> None:
    """Write the whole insurance configuration as JSON."""
    import json

    settings = insurance_service.find_settings(db.session)
    if settings is None:
        raise click.ClickException("No insurance is configured yet.")
    document = insurance_service.export_settings(db.session, settings)
    output.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")


@insurance_group.command("import")
@click.argument("file", type=click.File("rb"))
def insurance_import(file) -> None:
    """Replace the insurance configuration with FILE (as exported). All or nothing."""
    import json

    try:
        document = json.loads(file.read().decode("utf-8"))
    except (ValueError, RecursionError) as exc:
        raise click.ClickException(f"{file.name} is not valid JSON: {exc}") from exc
    config = current_app.config
    try:
        insurance_service.import_settings(
            db.session,
            document,
            currency=config["STOREFRONT_CURRENCY"],
            user_email="cli",
            default_language=config["STOREFRONT_DEFAULT_LANGUAGE"],
        )
    except insurance_service.InvalidSettings as exc:
        db.session.rollback()
        for error in exc.errors:
            click.echo(f"{error.field}: {error.code} {dict(error.params) or ''}".rstrip(), err=True)
        raise click.ClickException("The file was refused; nothing was changed.") from exc
    except (insurance_service.InvalidImage, insurance_service.IncompleteSettings) as exc:
        db.session.rollback()
        raise click.ClickException(f"The file was refused ({exc}); nothing was changed.") from exc
    db.session.commit()
    settings = insurance_service.find_settings(db.session)
    click.echo(f"Insurance configuration imported (version {settings.version}).")


def _too_many_for_xlsx(rows: str) -> str:
    from storefront.services.report import XLSX_MAX_ROWS

    return (
        f"{rows} rows: an XLSX sheet holds at most {XLSX_MAX_ROWS:,}. "
        "Choose a shorter period, or --format csv."
    )


@insurance_group.command("report")
@click.option(
    "--from",
    "start",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="First day (YYYY-MM-DD), inclusive.",
)
@click.option(
    "--to",
    "end",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Last day (YYYY-MM-DD), inclusive.",
)
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    required=True,
    help="File to write.",
)
def insurance_report(start, end, fmt: str, output: str) -> None:
    """Write the insurer report of a period (cover events by date) as CSV or XLSX."""
    from storefront.services import report

    if start and end and start > end:
        raise click.BadParameter("--to is before --from")
    low, high = report.period_bounds(start.date() if start else None, end.date() if end else None)
    query = report.report_query(low, high)
    if fmt == "xlsx" and (count := report.row_count(db.session, query)) > report.XLSX_MAX_ROWS:
        raise click.ClickException(_too_many_for_xlsx(f"{count:,}"))
    totals = report.Totals()
    rows = report.report_rows(db.session, query, totals)
    try:
        with open(output, "wb") as out:
            report.write_file(rows, fmt, out)
    except report.TooManyRows as error:  # the period grew since it was counted
        Path(output).unlink(missing_ok=True)
        raise click.ClickException(_too_many_for_xlsx(f"More than {error.limit:,}")) from error
    click.echo(f"{totals.rows} rows ({totals.events} cover events) written to {output}.")


@insurance_group.command("send-report")
def insurance_send_report() -> None:
    """Send every cover event not yet sent to the insurer (for cron), in batches of at most
    STOREFRONT_REPORT_BATCH_EVENTS events."""
    from storefront.reports.sending import send_report

    sent = 0
    while True:
        result = send_report("cli")
        if result.nothing_to_send:  # none at all, or another sender took the rest meanwhile
            if not sent:
                click.echo("Nothing to send.")
            return
        if result.error == "no-recipient":
            raise click.ClickException(
                "No insurer e-mail address is configured (settings, step 1)."
            )
        if result.error:
            raise click.ClickException(
                f"Not sent: {result.error}. The events of this batch stay unsent for the next run."
            )
        batch = result.batch
        click.echo(f"Batch {batch.id:06d} sent to {batch.recipient}: {batch.event_count} events.")
        sent += 1
        if not result.remaining:
            return
