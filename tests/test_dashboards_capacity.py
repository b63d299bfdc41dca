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


class Kernels:
    def __init__(self, ids):
        self.ids = ids

    def list_kernel_ids(self):
        return self.ids


def test_the_cap_is_the_viewers_kernels_and_what_the_memory_left_holds(monkeypatch):
    sizes = {1: 200 * 2**20, 2: 100 * 2**20, 3: 600 * 2**20}  # two viewers', a pool's
    monkeypatch.setattr(capacity, "memory_limit", lambda: 8 * GIB)
    monkeypatch.setattr(capacity, "kernel_pid", lambda manager, kernel: kernel)
    monkeypatch.setattr(capacity, "process_memory", lambda pid: sizes.get(pid, 0))
    measured = Capacity(max_kernels=0)
    measured.manager = Kernels([1, 2, 3])
    used = capacity.SERVER_BYTES + 900 * 2**20
    assert measured.measure([1, 2]) == (used, 150 * 2**20)  # a typical viewer's: the mean
    left = int((8 * GIB * capacity.HEADROOM - used) // (150 * 2**20))
    assert measured.viewer_kernels([1, 2]) == 2 + left  # the large pooled one costs its own
    assert Capacity(max_kernels=3).viewer_kernels([]) == 3  # the administrator's cap
    monkeypatch.setattr(capacity, "memory_limit", lambda: GIB // 2)
    measured._measured = (0.0, 0, 0)
    assert measured.viewer_kernels([1, 2]) == 2  # full: the viewers keep theirs, no more


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
