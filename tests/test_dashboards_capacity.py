"""How many viewers the dashboards service takes, from its memory (hub/dashboards/capacity):
pools, the cap on viewers' kernels, the busy page's wait. The service itself is tested
behind a real hub in test_dashboards_service.py."""

from __future__ import annotations

import os

from hub.dashboards import capacity
from hub.dashboards.capacity import Capacity, busy_page, pool_size, wait_estimate

GIB = 2**30


def test_pools_follow_the_memory_unless_set():
    assert pool_size("3", notebooks=5) == 3 and pool_size("0", notebooks=5) == 0
    assert pool_size("auto", notebooks=5, limit=4 * GIB) == 1  # never none
    assert pool_size("auto", notebooks=5, limit=16 * GIB) == 2
    assert pool_size("auto", notebooks=5, limit=256 * GIB) == capacity.MAX_POOL
    assert pool_size("auto", notebooks=5) >= 1  # this machine's


def test_the_cap_is_what_memory_holds_beside_the_pools_within_the_administrators(monkeypatch):
    monkeypatch.setattr(capacity, "memory_limit", lambda: 8 * GIB)
    monkeypatch.setattr(capacity, "process_memory", lambda pid: 0)  # nothing measured yet
    free = int((8 * GIB * capacity.HEADROOM - capacity.SERVER_BYTES) // capacity.KERNEL_GUESS)
    assert Capacity(max_kernels=0, pooled=5).viewer_kernels([]) == free - 5
    assert Capacity(max_kernels=3, pooled=5).viewer_kernels([]) == 3
    monkeypatch.setattr(capacity, "memory_limit", lambda: GIB // 2)
    assert Capacity(max_kernels=0, pooled=5).viewer_kernels([]) == 1  # never none


def test_kernels_are_measured_as_they_run(monkeypatch):
    measured = Capacity(max_kernels=0, pooled=0)
    measured.manager = None
    monkeypatch.setattr(capacity, "kernel_pid", lambda manager, kernel: 1234)
    monkeypatch.setattr(capacity, "process_memory", lambda pid: 120 * 2**20)
    assert measured.measure(["a", "b"]) == 120 * 2**20


def test_a_process_is_measured_and_a_gone_one_is_nothing():
    assert capacity.process_memory(os.getpid()) > 10 * 2**20
    assert capacity.process_memory(2**22 + 7) == 0
    assert capacity.memory_limit() > GIB


def test_the_wait_is_how_long_viewers_stay_less_how_long_the_longest_has_stayed():
    assert wait_estimate([], []) == 120  # nobody has left yet: two minutes
    assert wait_estimate([60, 100, 200], [30, 10]) == 70
    assert wait_estimate([60], [300]) == 15  # overdue: soon, not never
    assert wait_estimate([5000], []) == 900  # the idle culler frees a kernel by then
    page = busy_page(limit=20, wait=70, home="/hub/home")
    assert "(20개)" in page and "약 70초" in page and 'content="70"' in page
    assert "약 3분" in busy_page(limit=20, wait=190, home="/hub/home")
