"""Fixtures shared by the integration and end-to-end tests.

The database is SQLite by default; with ``DATABASE_URL=postgresql+psycopg://...`` the suite runs
in a fresh schema of that database, created for this run and dropped afterwards.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from storefront.models import Base

POSTGRES = os.environ.get("DATABASE_URL", "").startswith("postgresql")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    skip_pg = pytest.mark.skip(reason="needs DATABASE_URL=postgresql+psycopg://...")
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
        if "postgres" in item.keywords and not POSTGRES:
            item.add_marker(skip_pg)


def _schema_url(base_url: str, schema: str) -> str:
    url = make_url(base_url)
    return url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False
    )


@pytest.fixture(scope="session")
def make_database(tmp_path_factory: pytest.TempPathFactory):
    """A factory of empty databases: SQLite files, or fresh PostgreSQL schemas."""
    schemas: list[str] = []
    admin_url = os.environ.get("DATABASE_URL", "")

    def make(name: str = "db", create: bool = True) -> str:
        if POSTGRES:
            schema = f"t_{name}_{uuid.uuid4().hex[:10]}"
            engine = create_engine(admin_url)
            with engine.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            engine.dispose()
            schemas.append(schema)
            url = _schema_url(admin_url, schema)
        else:
            url = f"sqlite:///{tmp_path_factory.mktemp(name) / 'shop.db'}"
        if create:
            engine = create_engine(url)
            Base.metadata.create_all(engine)
            engine.dispose()
        return url

    yield make
    if schemas:
        engine = create_engine(admin_url)
        with engine.begin() as conn:
            for schema in schemas:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()


@pytest.fixture(scope="session")
def database_url(make_database) -> str:
    return make_database("main")


def _empty_tables(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())
    engine.dispose()


@pytest.fixture
def make_app(database_url: str, tmp_path: Path):
    """Build apps on the test database (or another URL); their engines are closed afterwards."""
    from storefront import create_app
    from storefront.extensions import db

    apps = []

    def make(**config):
        app = create_app(
            {
                "TESTING": True,
                "SQLALCHEMY_DATABASE_URI": database_url,
                "SECRET_KEY": "test-secret",
                "SERVER_NAME": "shop.test",
                **config,
            }
        )
        app.instance_path = str(tmp_path)
        apps.append(app)
        return app

    yield make
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(database_url: str, make_app):
    _empty_tables(database_url)
    return make_app()


@pytest.fixture
def demo_app(app):
    from storefront import demo
    from storefront.extensions import db

    with app.app_context():
        demo.load(db.session, app.config["STOREFRONT_CURRENCY"])
        db.session.commit()
    return app


CSRF_RE = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


class ShopClient:
    """A test client that knows how to get a CSRF token like a browser would."""

    def __init__(self, client) -> None:
        self.client = client

    def __getattr__(self, name: str):
        return getattr(self.client, name)

    def csrf(self, path: str = "/") -> str:
        page = self.client.get(path).get_data(as_text=True)
        match = CSRF_RE.search(page)
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    def post_multipart(self, path: str, data: dict, **kwargs):
        """A multipart POST built in memory (the test client spools big bodies to a temp file
        it never closes, which warnings-as-errors turns into a failure)."""
        from werkzeug.test import encode_multipart

        fields = {"csrf_token": self.csrf(), **data}
        boundary, body = encode_multipart(_multi_dict(fields))
        return self.client.post(
            path, data=body, content_type=f"multipart/form-data; boundary={boundary}", **kwargs
        )

    def post_form(self, path: str, data: dict | None = None, *, htmx: bool = False, **kwargs):
        data = {"csrf_token": self.csrf(), **(data or {})}
        headers = dict(kwargs.pop("headers", {}))
        if htmx:
            headers["HX-Request"] = "true"
        return self.client.post(path, data=data, headers=headers, **kwargs)


def _multi_dict(fields: dict):
    from werkzeug.datastructures import FileStorage, MultiDict

    items = []
    for key, value in fields.items():
        if isinstance(value, tuple):
            stream, filename = value
            items.append((key, FileStorage(stream, filename=filename)))
        elif isinstance(value, list):
            items.extend((key, str(v)) for v in value)
        elif value is not None:
            items.append((key, str(value)))
    return MultiDict(items)


@pytest.fixture
def client(demo_app) -> ShopClient:
    return ShopClient(demo_app.test_client())


@pytest.fixture
def db_session(demo_app) -> Iterator:
    from storefront.extensions import db

    with demo_app.app_context():
        yield db.session
