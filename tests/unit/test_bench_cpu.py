"""The bench's CPU figure: the workers' CPU time per request, from Linux's /proc."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.run import Server, cpu_per_request_us


def test_cpu_per_request_is_the_workers_time_over_the_requests():
    before = {11: 1_000_000, 12: 2_000_000}
    after = {11: 3_000_000, 12: 6_000_000}  # 6 ms between them
    assert cpu_per_request_us(before, after, 1000) == 6.0
    assert cpu_per_request_us(before, {11: 3_000_000, 13: 1}, 1000) is None  # a worker restarted
    assert cpu_per_request_us(None, after, 1000) is None
    assert cpu_per_request_us(before, after, 0) is None


@pytest.mark.skipif(not Path("/proc/self/schedstat").exists(), reason="Linux /proc only")
def test_the_snapshot_holds_each_child_process_and_its_cpu_time():
    child = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; sum(range(3 * 10**6)); sys.stdin.read()"],
        stdin=subprocess.PIPE,
    )
    try:
        me = Server(port=0, pid=os.getpid())
        for _ in range(100):  # until its loop has run
            snapshot = me.workers_cpu_ns() or {}
            if snapshot.get(child.pid, 0) > 20_000_000:
                break
            time.sleep(0.05)
        assert snapshot[child.pid] > 20_000_000  # ns: the loop's 20 ms at least
    finally:
        child.communicate(b"")
    assert Server(port=0, pid=2**22 + 1).workers_cpu_ns() is None  # no such process
