"""Export the insurer report in this process and print its time and peak memory (JSON).

Run as ``python -m bench.export_child csv|xlsx OUTPUT`` with DATABASE_URL set; a process of its
own, so its peak RSS is the exporter's alone.
"""

from __future__ import annotations

import json
import resource
import sys
import time


def main() -> None:
    fmt, output = sys.argv[1], sys.argv[2]
    from storefront import create_app
    from storefront.extensions import db
    from storefront.services import report

    app = create_app()
    with app.app_context():
        started = time.perf_counter()
        totals = report.Totals()
        rows = report.report_rows(db.session, report.report_query(), totals)
        with open(output, "wb") as out:
            report.write_file(rows, fmt, out)
        seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "rows": totals.rows, "peak_rss_mb": peak_kb / 1024}))


if __name__ == "__main__":
    main()
