"""Two app instances behind no proxy: gunicorn processes on loopback ports, one database.

Used by the multi-instance and load tests (PostgreSQL). Every process started here is stopped
by the fixture that started it, killed when it does not stop in time.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from aiosmtpd.controller import Controller
from sqlalchemy import select

from storefront.models import Product
from tests.conftest import CSRF_RE

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")
SECRET = "cluster-secret-shared-by-every-instance"
STAFF_PASSWORD = "correct horse battery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _no_control_socket() -> list[str]:
    """Newer gunicorns open a control socket at one fixed path per user: keep test instances
    off it (they would take it from each other, and from anyone's running shop)."""
    from gunicorn.config import KNOWN_SETTINGS

    names = {setting.name for setting in KNOWN_SETTINGS}
    return ["--no-control-socket"] if "control_socket_disable" in names else []


class Instance:
    """``gunicorn 'storefront:create_app()'`` on a loopback port, configured by environment."""

    def __init__(self, name: str, database_url: str, mail_port: int, log_dir: Path) -> None:
        self.name = name
        self.port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "SECRET_KEY": SECRET,
            "STOREFRONT_ENV": "production",
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(mail_port),
            "MAIL_FROM": "shop@shop.example",
        }
        self.log_path = log_dir / f"{name}.log"
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [
                str(GUNICORN),
                *_no_control_socket(),
                "--workers",
                "1",
                "--threads",
                "4",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--timeout",
                "60",
                "--graceful-timeout",
                "5",
                "storefront:create_app()",
            ],
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_until_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited:\n{self.log()}")
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            try:
                connection.request("GET", "/login")
                if connection.getresponse().status == 200:
                    return
            except OSError:
                pass  # not listening yet
            finally:
                connection.close()
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not answer within {timeout} s:\n{self.log()}")

    def stop(self) -> None:
        """SIGTERM, then SIGKILL to the process group if it is still there after 10 s."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self._log.close()

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")[-5000:]


class Inbox:
    """The insurer's mail server: keeps what it accepts, slowly (to make senders overlap)."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):
        import asyncio

        await asyncio.sleep(self.delay)
        self.messages.append(envelope.content)
        return "250 OK"


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: str

    @property
    def location(self) -> str:
        return self.headers.get("location", "")


class Browser:
    """A visitor: one cookie jar, plain HTTP/1.1 to whichever instance each request names."""

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}
        self.token: str | None = None

    def request(self, port: int, method: str, path: str, form=None, htmx=False) -> Reply:
        if form is not None and self.token is None:
            self.get(port, "/")  # a form comes from a page: the page gives the CSRF token
        headers = {"Accept-Language": "en", "Connection": "close"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if htmx:
            headers["HX-Request"] = "true"
        body = None
        if form is not None:
            body = urlencode({"csrf_token": self.token, **form}, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", errors="replace")
            for raw in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(raw).items():
                    if morsel.value:
                        self.cookies[name] = morsel.value
                    else:
                        self.cookies.pop(name, None)
            reply = Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, text)
        finally:
            connection.close()
        match = CSRF_RE.search(text)
        if match:
            self.token = match.group(1)
        return reply

    def get(self, port: int, path: str, htmx: bool = False) -> Reply:
        return self.request(port, "GET", path, htmx=htmx)

    def post(self, port: int, path: str, form: dict | None = None, htmx: bool = False) -> Reply:
        return self.request(port, "POST", path, form or {}, htmx=htmx)


CUSTOMER = {
    "first_name": "Camille",
    "last_name": "Durand",
    "email": "camille@example.com",
    "phone": "+33 1 23 45 67 89",
    "street": "12 rue de la Paix",
    "postcode": "75002",
    "city": "Paris",
    "country": "FR",
}


def buy(browser: Browser, ports: list[int], items, insurance: str | None = None) -> Reply:
    """Add ``items`` (product id, quantity), answer the insurance, check out and approve, each
    step on the next instance in ``ports`` (round robin). Returns the approval's reply."""
    step = iter(ports * 10)
    for product, quantity in items:
        browser.post(next(step), "/cart/add", {"product_id": product, "quantity": quantity})
    if insurance:
        browser.post(next(step), "/cart/insurance", {"insurance": insurance}, htmx=True)
    reply = browser.post(next(step), "/checkout", CUSTOMER)
    if reply.location.endswith("/checkout/last-chance"):
        answer = "accepted" if insurance == "yes" else "declined"
        reply = browser.post(next(step), "/checkout/last-chance", {"popup": answer})
    if "/payment/demo/" not in reply.location:
        return reply
    return browser.post(next(step), f"{reply.location}/approve", {})


def log_in(browser: Browser, port: int, email: str) -> None:
    reply = browser.post(port, "/login", {"email": email, "password": STAFF_PASSWORD})
    assert reply.status == 302, reply.body[:500]
    # A login starts a new session: its first page gives the CSRF token every later form uses
    # (pages loaded at once right after would each make one, and only one can be kept).
    browser.token = None
    browser.get(port, "/")


class Cluster:
    """A demo shop in its own schema, its staff, a mail server and two instances."""

    def __init__(self, database_url: str, log_dir: Path, mail_delay: float = 0.0) -> None:
        from tests.security.conftest import build_app, load_demo_shop

        self.database_url = database_url
        self.app = build_app(database_url, log_dir)  # in-process: set-up and checks only
        load_demo_shop(self.app)
        from storefront.extensions import db
        from storefront.services.accounts import create_user

        with self.app.app_context():
            create_user(db.session, "marketer@shop.example", STAFF_PASSWORD, "marketer")
            db.session.commit()
        self.inbox = Inbox(mail_delay)
        self.smtp = Controller(self.inbox, hostname="127.0.0.1", port=free_port())
        self.smtp.start()
        self.instances: list[Instance] = []
        try:
            for name in ("a", "b"):
                self.instances.append(Instance(name, database_url, self.smtp.port, log_dir))
            for instance in self.instances:
                instance.wait_until_ready()
        except BaseException:
            self.stop()
            raise

    @property
    def ports(self) -> list[int]:
        return [instance.port for instance in self.instances]

    def product(self, english_name: str) -> int:
        from storefront.extensions import db

        with self.app.app_context():
            products = db.session.scalars(select(Product)).all()
            return next(p.id for p in products if p.names["en"] == english_name)

    def set_stock(self, product: int, stock: int | None) -> None:
        from storefront.extensions import db

        with self.app.app_context():
            db.session.get(Product, product).stock = stock
            db.session.commit()

    def logs(self) -> str:
        return "\n".join(f"--- {i.name}\n{i.log()}" for i in self.instances)

    def stop(self) -> None:
        from tests.security.conftest import dispose

        for instance in self.instances:
            instance.stop()
        self.smtp.stop()
        dispose(self.app)
