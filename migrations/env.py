"""Alembic environment: migrates the database of the Flask app that runs it."""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

from storefront.models import Base

config = context.config
if config.config_file_name and not logging.getLogger().handlers:
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def _engine():
    return current_app.extensions["migrate"].db.engine


def _render_item(type_, obj, autogen_context):
    # Our UTCDateTime stores a plain DateTime: write that into migrations.
    if type_ == "type" and obj.__class__.__name__ == "UTCDateTime":
        return "sa.DateTime()"
    return False


def _options():
    return {
        "target_metadata": Base.metadata,
        "compare_type": True,
        "render_as_batch": True,
        "render_item": _render_item,
        **current_app.extensions["migrate"].configure_args,
    }


def run_migrations_offline():
    url = _engine().url.render_as_string(hide_password=False)
    context.configure(url=url, literal_binds=True, **_options())
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    def skip_empty_revisions(context_, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []

    options = _options()
    options.setdefault("process_revision_directives", skip_empty_revisions)
    with _engine().connect() as connection:
        context.configure(connection=connection, **options)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
