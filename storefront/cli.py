"""Flask commands: ``flask --app storefront demo load`` and friends."""

from __future__ import annotations

import click
from flask import Flask, current_app

from storefront import demo
from storefront.extensions import db


def init_app(app: Flask) -> None:
    app.cli.add_command(demo_group)


@click.group("demo", help="Demo data.")
def demo_group() -> None:
    pass


@demo_group.command("load")
@click.option("--if-empty", is_flag=True, help="Do nothing when the catalogue has products.")
def demo_load(if_empty: bool) -> None:
    """Load the demo catalogue."""
    if if_empty and not demo.is_empty(db.session):
        click.echo("The catalogue has products: demo data not loaded.")
        return
    demo.load(db.session, current_app.config["STOREFRONT_CURRENCY"])
    db.session.commit()
    click.echo("Demo data loaded.")
