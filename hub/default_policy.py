"""The quota policy a fresh installation starts with, sized to the host it runs on.

Administrators change it afterwards in the quota admin service; this is only the first
version in the quota store.
"""

from __future__ import annotations

import os

from hub.quota_policy import format_memory, parse_memory
from hub.settings import HubSettings


def host_memory() -> int:
    """Physical memory of this machine, in bytes."""
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def default_policy(settings: HubSettings) -> dict:
    """기본 for everyone, 분석 for analysts and admins, GPU where the host has GPUs."""
    cpus = float(os.cpu_count() or 1)
    mem = parse_memory(settings.host_mem) if settings.host_mem else int(host_memory() * 0.8)
    mem -= mem % 2**30  # whole GiB: readable in the admin UI
    gpus = [g for g in settings.gpus.split(",") if g]
    basic_mem = min(parse_memory(settings.mem_limit), mem)
    profiles = [
        {
            "slug": "basic",
            "name": "기본",
            "description": "노트북 작성과 가벼운 분석",
            "cpu": min(settings.cpu_limit, cpus),
            "mem": format_memory(basic_mem),
            "idle_timeout": 3600,
            "home": settings.home_size,
        },
        {
            "slug": "analysis",
            "name": "분석",
            "description": "대용량 데이터 처리와 모델 학습",
            "cpu": min(4.0, cpus),
            "mem": format_memory(max(basic_mem, min(16 * 2**30, mem // 2))),
            "idle_timeout": 7200,
            "home": settings.home_size,
        },
    ]
    grants = {
        "staff": ["basic"],
        "analyst": ["basic", "analysis"],
        "admin": ["basic", "analysis"],
        "*": ["basic"],
    }
    if gpus:
        profiles.append(
            {
                "slug": "gpu",
                "name": "GPU",
                "description": "딥러닝 학습 (GPU 1개)",
                "cpu": min(8.0, cpus),
                "mem": format_memory(max(basic_mem, min(64 * 2**30, mem // 2))),
                "gpus": 1,
                "idle_timeout": 3600,
                "max_age": 8 * 3600,
                "home": settings.home_size,
            }
        )
        grants["analyst"].append("gpu")
        grants["admin"].append("gpu")
    return {
        "profiles": profiles,
        "grants": grants,
        "users": {},
        "host": {"cpus": cpus, "mem": format_memory(mem), "gpus": gpus},
    }
