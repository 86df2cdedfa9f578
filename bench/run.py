"""`make bench`: the shop's speed as ratios to a bare Flask app measured in the same run.

Loopback only, bounded in time. Prints one table with PASS/FAIL per budget and writes the same
figures as JSON to $BENCH_OUT when set. BENCH_DB selects the database (default: a SQLite file in
a temporary folder; a postgresql+psycopg:// URL runs in a fresh schema, dropped afterwards).
"""

from __future__ import annotations

import contextlib
import gzip
import http.client
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BIN = Path(PYTHON).parent
SECRET = "bench-secret-" + uuid.uuid4().hex
DURATION = int(os.environ.get("BENCH_SECONDS", "1"))
PAIRS = int(os.environ.get("BENCH_PAIRS", "5"))
REPORT_LINES = int(os.environ.get("BENCH_REPORT_LINES", "1000000"))
DASHBOARD_EVENTS = int(os.environ.get("BENCH_DASHBOARD_EVENTS", "0"))
CART_PRODUCTS = (
    "Jazz by the Lake",
    "The Magic Flute",
    "Beethoven's Ninth Symphony",
    "Stand-up Comedy Night",
    "Season pass 2027",
)


# Database ----------------------------------------------------------------------------------


@contextlib.contextmanager
def database(workdir: Path) -> Iterator[str]:
    url = os.environ.get("BENCH_DB")
    if not url:
        yield f"sqlite:///{workdir / 'bench.db'}"
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield (
            make_url(url)
            .update_query_dict({"options": f"-csearch_path={schema}"})
            .render_as_string(hide_password=False)
        )
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def shop_app(url: str):
    from storefront import create_app

    return create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET, "STOREFRONT_ENV": "production"}
    )


def prepare(url: str) -> None:
    """Migrate, then the demo catalogue, staff, insurance, and 50 more covered products."""
    from flask_migrate import upgrade

    from bench.catalog import add_ticket_products
    from storefront import demo
    from storefront.extensions import db

    app = shop_app(url)
    with app.app_context():
        upgrade()
        demo.load(db.session, "EUR")
        demo.load_staff(db.session)
        demo.load_insurance(db.session, "EUR", "en")
        add_ticket_products(db.session, 50)
        db.session.commit()
        db.engine.dispose()


# Servers and a small HTTP client -----------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class Server:
    port: int
    pid: int  # gunicorn's master process; its children are the workers

    def workers_cpu_ns(self) -> dict[int, int] | None:
        """CPU time each worker has used so far, in ns (Linux ``/proc``; None elsewhere)."""
        try:
            children = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text().split()
            return {
                int(pid): int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])
                for pid in children
            }
        except (OSError, ValueError, IndexError):
            return None


def cpu_per_request_us(
    before: dict[int, int] | None, after: dict[int, int] | None, requests: int
) -> float | None:
    """Workers' CPU per request between two snapshots (None if a worker came or went)."""
    if before is None or after is None or before.keys() != after.keys() or not requests:
        return None
    return sum(after[pid] - before[pid] for pid in after) / requests / 1000


@contextlib.contextmanager
def gunicorn(app_spec: str, env: dict[str, str]) -> Iterator[Server]:
    port = free_port()
    process = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            app_spec,
        ],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            time.sleep(0.2)
        else:
            raise RuntimeError(f"{app_spec} did not start")
        yield Server(port, process.pid)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


class Browser:
    """Cookies by hand: production cookies are Secure, which cookie jars keep off plain http."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(
        self,
        method: str,
        path: str,
        body: dict | list | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        all_headers = {"Accept-Language": "en", **(headers or {})}
        if self.cookies:
            all_headers["Cookie"] = self.cookie_header()
        data = None
        if body is not None:
            data = urlencode(body, doseq=True)
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, data, all_headers)
        response = conn.getresponse()
        payload = response.read()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        conn.close()
        return response.status, dict(response.getheaders()), payload

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def csrf(self, path: str = "/") -> str:
        page = self.request("GET", path)[2].decode()
        return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)


def product_ids(url: str, names: tuple[str, ...]) -> list[int]:
    from sqlalchemy import create_engine, select

    from storefront.models import Product

    engine = create_engine(url)
    with engine.connect() as conn:
        products = conn.execute(select(Product.id, Product.names)).all()
    engine.dispose()
    by_name = {p.names["en"]: p.id for p in products}
    return [by_name[name] for name in names]


def eligible_cart(port: int, ids: list[int]) -> tuple[str, str]:
    """A 5-line cart eligible for the insurance; returns its cookie header and CSRF token."""
    browser = Browser(port)
    token = browser.csrf()
    for product_id in ids:
        status, _, _ = browser.request(
            "POST", "/cart/add", {"csrf_token": token, "product_id": product_id, "quantity": 1}
        )
        assert status in (200, 302), status
    page = browser.request("GET", "/cart")[2].decode()
    assert page.count('data-testid="cart-line"') == 5, "the bench cart needs 5 lines"
    assert 'data-testid="insurance-offer"' in page, "the bench cart must be eligible"
    return browser.cookie_header(), token


# Load --------------------------------------------------------------------------------------


def wrk(
    port: int,
    path: str,
    seconds: int,
    headers: dict[str, str] | None = None,
    script: str | None = None,
) -> dict[str, float]:
    command = ["wrk", "-t2", "-c8", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(script or "")
    if script:
        command += ["-s", lua.name]
    command.append(f"http://127.0.0.1:{port}{path}")
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    os.unlink(lua.name)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50_ms": _ms(re.search(r"\s50%\s+([\d.]+\w+)", output).group(1)),
        "p99_ms": _ms(re.search(r"\s99%\s+([\d.]+\w+)", output).group(1)),
        "errors": int(errors.group(1)) if errors else 0,
    }


def _ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def python_load(
    port: int,
    path: str,
    seconds: int,
    headers: dict[str, str] | None = None,
    body: str | None = None,
) -> dict[str, float]:
    """Fallback when wrk is not installed: 4 keep-alive clients in other processes."""
    code = (
        "import http.client,time,sys,json\n"
        f"c=http.client.HTTPConnection('127.0.0.1',{port});h={headers or {}!r};lat=[]\n"
        f"end=time.monotonic()+{seconds}\n"
        "while time.monotonic()<end:\n"
        " t=time.perf_counter();"
        f"c.request({'POST' if body else 'GET'!r},{path!r},{body!r},h);c.getresponse().read()\n"
        " lat.append(time.perf_counter()-t)\n"
        "print(json.dumps(lat))\n"
    )
    procs = [
        subprocess.Popen([PYTHON, "-c", code], stdout=subprocess.PIPE, text=True) for _ in range(4)
    ]
    latencies = sorted(x for p in procs for x in json.loads(p.communicate()[0]))
    return {
        "requests": len(latencies),
        "rps": len(latencies) / seconds,
        "p50_ms": latencies[len(latencies) // 2] * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99)] * 1000,
        "errors": 0,
    }


def ensure_wrk() -> bool:
    if shutil.which("wrk"):
        return True
    if shutil.which("apt-get") and os.geteuid() == 0:
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], capture_output=True)
    return shutil.which("wrk") is not None


def toggle_script(carts: list[tuple[str, str]]) -> str:
    """Each wrk thread toggles its own cart's insurance: yes, no, yes, ... (both requests are
    built once per thread, so the load generator spends no more per request than for a GET)."""
    entries = ",".join(f"{{cookie={json.dumps(c)}, token={json.dumps(t)}}}" for c, t in carts)
    return f"""
local carts = {{{entries}}}
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
end
function init(args)
  local cart = carts[id]
  local headers = {{
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["HX-Request"] = "true", ["Cookie"] = cart.cookie, ["X-CSRFToken"] = cart.token,
    ["Accept-Language"] = "en"}}
  local body = "csrf_token=" .. cart.token .. "&insurance=no"
  yes = wrk.format("POST", "/cart/insurance", headers, body .. "&insurance=yes")
  no = wrk.format("POST", "/cart/insurance", headers, body)
  n = 0
end
function request()
  n = n + 1
  if n % 2 == 1 then return yes end
  return no
end
"""


def measure_http(shop: Server, base: Server, carts: list[tuple[str, str]], has_wrk: bool) -> dict:
    """Each endpoint against the baseline in PAIRS pairs of runs, one right after the other.

    A shared machine's speed drifts from one second to the next: the ratio of each pair (the
    same seconds, or nearly) is a fairer figure than a ratio of averages, and the median of the
    pairs' ratios leaves an unlucky pair out. Beside throughput, each run notes the workers' CPU
    time per request: it moves far less with the machine's load than requests per second do.
    """
    cookie, token = carts[0]
    cases = {
        "catalog": ("/", {}, None),
        "cart page": ("/cart", {"Cookie": cookie}, None),
        "insurance toggle partial": ("/cart/insurance", {}, toggle_script(carts[:2])),
        "terms modal partial": ("/cart/terms", {"Cookie": cookie, "HX-Request": "true"}, None),
    }
    results = {}
    for name, (path, headers, script) in cases.items():
        runs: dict[str, list[dict[str, float]]] = {"baseline": [], "target": []}
        for pair in range(PAIRS):
            for kind, server in (("baseline", base), ("target", shop)):
                port = server.port
                target_path = "/" if kind == "baseline" else path
                target_headers = {} if kind == "baseline" else headers
                target_script = None if kind == "baseline" else script
                if has_wrk and pair == 0:  # warm-up
                    wrk(port, target_path, 1, target_headers, target_script)
                cpu_before = server.workers_cpu_ns()
                if has_wrk:
                    run = wrk(port, target_path, DURATION, target_headers, target_script)
                else:
                    body = None
                    if target_script:
                        body = f"csrf_token={token}&insurance=no&insurance=yes"
                        target_headers = {
                            "Cookie": cookie,
                            "HX-Request": "true",
                            "X-CSRFToken": token,
                            "Content-Type": "application/x-www-form-urlencoded",
                        }
                    run = python_load(port, target_path, DURATION, target_headers, body)
                run["cpu_us"] = cpu_per_request_us(
                    cpu_before, server.workers_cpu_ns(), run["requests"]
                )
                runs[kind].append(run)
        target = {
            k: statistics.median(r[k] for r in runs["target"]) for k in ("rps", "p50_ms", "p99_ms")
        }
        ratios = [
            t["rps"] / b["rps"] for t, b in zip(runs["target"], runs["baseline"], strict=True)
        ]
        cpu_ratios = [
            b["cpu_us"] / t["cpu_us"]
            for t, b in zip(runs["target"], runs["baseline"], strict=True)
            if t["cpu_us"] and b["cpu_us"]
        ]
        results[name] = {
            **target,
            "baseline_rps": statistics.median(r["rps"] for r in runs["baseline"]),
            "ratio": statistics.median(ratios),
            "pair_ratios": ratios,
            "cpu_us": _median_or_none(r["cpu_us"] for r in runs["target"]),
            "baseline_cpu_us": _median_or_none(r["cpu_us"] for r in runs["baseline"]),
            "cpu_ratio": statistics.median(cpu_ratios) if cpu_ratios else None,
            "errors": sum(r["errors"] for r in runs["target"]),
        }
    return results


def _median_or_none(values: Iterator[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return statistics.median(known) if known else None


# Counts and sizes --------------------------------------------------------------------------


def statements(url: str) -> dict[str, int]:
    from sqlalchemy import select

    from bench.statements import count_statements
    from storefront.extensions import db
    from storefront.models import Product

    app = shop_app(url)
    app.config["SESSION_COOKIE_SECURE"] = False
    with app.app_context():
        ids = list(
            db.session.scalars(
                select(Product.id)
                .where(Product.price_minor >= 3000)
                .order_by(Product.id.desc())
                .limit(50)
            )
        )
    counts = {}
    for lines in (1, 50):
        client = app.test_client()
        client.get("/")
        token = _token(client.get("/").get_data(as_text=True))
        for product_id in ids[:lines]:
            client.post(
                "/cart/add", data={"csrf_token": token, "product_id": product_id, "quantity": 1}
            )
        client.get("/cart")  # the first view records the offer as shown
        with app.app_context(), count_statements(db.engine) as seen:
            client.get("/cart")
        counts[f"cart page, {lines} line{'s' if lines > 1 else ''}"] = seen.count
    with app.app_context():
        db.engine.dispose()
    return counts


def _token(page: str) -> str:
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)


def sizes(shop: int, carts: list[tuple[str, str]]) -> dict[str, int]:
    cookie, token = carts[2]
    browser = Browser(shop)
    browser.cookies = dict(pair.split("=", 1) for pair in cookie.split("; "))
    _, _, partial = browser.request(
        "POST",
        "/cart/insurance",
        {"csrf_token": token, "insurance": ["no", "yes"]},
        {"HX-Request": "true", "X-CSRFToken": token},
    )
    _, _, page = browser.request("GET", "/cart")
    html = page.decode()
    assets = re.findall(r'<script src="([^"]+)"', html) + re.findall(
        r'<link rel="stylesheet" href="([^"]+)"', html
    )
    zipped = sum(len(gzip.compress(Browser(shop).request("GET", a)[2])) for a in assets)
    return {
        "insurance partial bytes": len(partial),
        "cart page bytes": len(page),
        "first-visit JS+CSS bytes gzip": zipped,
    }


# The insurer report at a million rows ------------------------------------------------------


def report_export(url: str, workdir: Path) -> dict:
    from sqlalchemy.dialects import postgresql, sqlite

    from bench.report_data import load_insured_lines
    from storefront.extensions import db
    from storefront.services import report

    app = shop_app(url)
    with app.app_context():
        started = time.perf_counter()
        rows = load_insured_lines(db.session, REPORT_LINES)
        load_seconds = time.perf_counter() - started
        dialect = sqlite.dialect() if url.startswith("sqlite") else postgresql.dialect()
        sql = str(
            report.report_query().compile(dialect=dialect, compile_kwargs={"literal_binds": True})
        )
        db.engine.dispose()
    raw = workdir / "raw.csv"
    started = time.perf_counter()
    if url.startswith("sqlite"):
        with raw.open("wb") as out:
            subprocess.run(
                ["sqlite3", "-csv", url.removeprefix("sqlite:///"), sql], stdout=out, check=True
            )
    else:
        import psycopg
        from sqlalchemy.engine import make_url

        plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        with (
            psycopg.connect(plain) as conn,
            raw.open("wb") as out,
            conn.cursor() as cur,
            cur.copy(f"COPY ({sql}) TO STDOUT WITH CSV") as copy,
        ):
            for block in copy:
                out.write(block)
    raw_seconds = time.perf_counter() - started
    results = {"rows": rows, "load_seconds": load_seconds, "raw_dump_seconds": raw_seconds}
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": SECRET}
    for fmt in ("csv", "xlsx"):
        done = subprocess.run(
            [PYTHON, "-m", "bench.export_child", fmt, str(workdir / f"r.{fmt}")],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        figures = json.loads(done.stdout.strip().splitlines()[-1])
        assert figures["rows"] == rows, figures
        results[fmt] = figures
    results["csv_ratio"] = results["csv"]["seconds"] / raw_seconds
    return results


# Dashboard at a million events -------------------------------------------------------------


def dashboard(url: str, shop: int, base: int) -> dict | None:
    if DASHBOARD_EVENTS <= 0:
        return None
    try:
        from bench.dashboard_data import load_synthetic
    except ImportError:
        return None
    from datetime import date

    from bench.statements import count_statements
    from storefront.extensions import db

    app = shop_app(url)
    with app.app_context():
        started = time.perf_counter()
        load_synthetic(db.session, DASHBOARD_EVENTS, start=date(2025, 1, 1))
        db.session.commit()
        load_seconds = time.perf_counter() - started
    path = "/settings/catalogue/misc/insurance/dashboard?start=2025-01-01&end=2026-12-31"
    browser = Browser(shop)
    token = browser.csrf("/login")
    browser.request(
        "POST", "/login", {"csrf_token": token, "email": "marketer@demo.test", "password": "demo"}
    )

    def timed(port: int, target: str, who: Browser | None) -> float:
        samples = []
        for _ in range(7):
            started = time.perf_counter()
            status = (who or Browser(port)).request("GET", target)[0]
            samples.append(time.perf_counter() - started)
            assert status == 200, status
        return sorted(samples)[3]

    page_seconds = timed(shop, path, browser)
    base_seconds = timed(base, "/", None)
    app.config["SESSION_COOKIE_SECURE"] = False
    client = app.test_client()
    client.post(
        "/login",
        data={
            "csrf_token": _token(client.get("/login").get_data(as_text=True)),
            "email": "marketer@demo.test",
            "password": "demo",
        },
    )
    with app.app_context(), count_statements(db.engine) as seen:
        client.get(path)
    with app.app_context():
        db.engine.dispose()
    return {
        "events": DASHBOARD_EVENTS,
        "load_seconds": load_seconds,
        "request_ms": page_seconds * 1000,
        "baseline_ms": base_seconds * 1000,
        "ratio": page_seconds / base_seconds,
        "statements": seen.count,
    }


# Report --------------------------------------------------------------------------------------


def budgets(figures: dict) -> list[tuple[str, str, str, bool]]:
    http_, counts, size, rep = (
        figures["http"],
        figures["statements"],
        figures["sizes"],
        figures["report"],
    )
    one, fifty = counts["cart page, 1 line"], counts["cart page, 50 lines"]
    rows = [
        (
            "cart page throughput / baseline",
            f"{http_['cart page']['ratio']:.2f}",
            ">= 0.30",
            http_["cart page"]["ratio"] >= 0.30,
        ),
        (
            "insurance toggle partial throughput / baseline",
            f"{http_['insurance toggle partial']['ratio']:.2f}",
            ">= 0.40",
            http_["insurance toggle partial"]["ratio"] >= 0.40,
        ),
        (
            "SQL statements, cart page (1 / 50 lines)",
            f"{one} / {fifty}",
            "<= 6, equal",
            one == fifty and fifty <= 6,
        ),
        (
            "insurance partial size",
            f"{size['insurance partial bytes']} B",
            "<= 4096 B",
            size["insurance partial bytes"] <= 4096,
        ),
        (
            "first-visit JS + CSS (gzip)",
            f"{size['first-visit JS+CSS bytes gzip']} B",
            "<= 30720 B",
            size["first-visit JS+CSS bytes gzip"] <= 30720,
        ),
        (
            f"report {rep['rows']:,} rows: CSV time / raw SQL dump",
            f"{rep['csv_ratio']:.2f}",
            "<= 4",
            rep["csv_ratio"] <= 4,
        ),
        (
            "report export peak RSS, CSV / XLSX",
            f"{rep['csv']['peak_rss_mb']:.0f} / {rep['xlsx']['peak_rss_mb']:.0f} MB",
            "<= 200 MB",
            max(rep["csv"]["peak_rss_mb"], rep["xlsx"]["peak_rss_mb"]) <= 200,
        ),
    ]
    dash = figures.get("dashboard")
    if dash:
        rows.append(
            (
                f"dashboard, {dash['events']:,} events: statements per request",
                str(dash["statements"]),
                "constant (<= 12)",
                dash["statements"] <= 12,
            )
        )
    return rows


def print_http(figures: dict) -> None:
    """Printed as soon as measured: the report and dashboard steps take minutes."""
    print()
    print(
        f"{'endpoint':26} {'req/s':>6} {'p50 ms':>7} {'p99 ms':>7} {'baseline':>8} {'ratio':>6}"
        f"  {'each pair':29} {'cpu µs':>6} {'baseline':>8} {'cpu ratio':>9}"
    )
    for name, r in figures["http"].items():
        pairs = " ".join(f"{ratio:.2f}" for ratio in r["pair_ratios"])
        cpu = [r["cpu_us"], r["baseline_cpu_us"], r["cpu_ratio"]]
        cpu_us, base_us, cpu_ratio = (
            ("-", "-", "-") if None in cpu else (f"{cpu[0]:.0f}", f"{cpu[1]:.0f}", f"{cpu[2]:.2f}")
        )
        print(
            f"{name:26} {r['rps']:6.0f} {r['p50_ms']:7.2f} {r['p99_ms']:7.2f} "
            f"{r['baseline_rps']:8.0f} {r['ratio']:6.2f}  {pairs:29} {cpu_us:>6} {base_us:>8} "
            f"{cpu_ratio:>9}"
        )
    print(f"statements: {figures['statements']}; sizes: {figures['sizes']}", flush=True)


def print_table(figures: dict) -> bool:
    print_http(figures)
    rep = figures["report"]
    print(
        f"\nreport: {rep['rows']:,} rows loaded in {rep['load_seconds']:.1f} s; raw dump "
        f"{rep['raw_dump_seconds']:.2f} s; CSV {rep['csv']['seconds']:.2f} s "
        f"({rep['csv']['peak_rss_mb']:.0f} MB); XLSX {rep['xlsx']['seconds']:.2f} s "
        f"({rep['xlsx']['peak_rss_mb']:.0f} MB)"
    )
    dash = figures.get("dashboard")
    if dash:
        print(
            f"dashboard: {dash['events']:,} events; request {dash['request_ms']:.1f} ms vs "
            f"baseline {dash['baseline_ms']:.2f} ms (ratio {dash['ratio']:.1f}); "
            f"{dash['statements']} statements"
        )
    print(f"\n{'budget':58} {'figure':>16} {'limit':>14}  result")
    ok = True
    for name, figure, limit, passed in budgets(figures):
        ok &= passed
        print(f"{name:58} {figure:>16} {limit:>14}  {'PASS' if passed else 'FAIL'}")
    return ok


def main() -> int:
    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="storefront-bench-"))
    figures: dict = {"database": "postgresql" if os.environ.get("BENCH_DB") else "sqlite"}
    try:
        with database(workdir) as url:
            print(f"preparing the database ({figures['database']})...", flush=True)
            prepare(url)
            figures["statements"] = statements(url)
            env = {"DATABASE_URL": url, "SECRET_KEY": SECRET, "STOREFRONT_ENV": "production"}
            has_wrk = ensure_wrk()
            print(
                f"serving with gunicorn; load with {'wrk' if has_wrk else 'Python'}...", flush=True
            )
            with (
                gunicorn("storefront:create_app()", env) as shop,
                gunicorn("bench.baseline:app", env) as base,
            ):
                ids = product_ids(url, CART_PRODUCTS)
                carts = [eligible_cart(shop.port, ids) for _ in range(3)]
                figures["http"] = measure_http(shop, base, carts, has_wrk)
                figures["sizes"] = sizes(shop.port, carts)
                print_http(figures)
                print("the insurer report at scale...", flush=True)
                figures["report"] = report_export(url, workdir)
                print("the dashboard at scale...", flush=True)
                figures["dashboard"] = dashboard(url, shop.port, base.port)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    figures["seconds"] = time.monotonic() - started
    ok = print_table(figures)
    print(f"\n{figures['seconds']:.0f} s in all")
    if os.environ.get("BENCH_OUT"):
        Path(os.environ["BENCH_OUT"]).write_text(json.dumps(figures, indent=2) + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
