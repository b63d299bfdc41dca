"""The quota policy: resource profiles, who may use them, and the host they must fit.

One definition, checked here, rendered to DockerSpawner limits on one host
(:func:`hub.container_options.container_options`) and to a KubeSpawner ``profile_list`` on a cluster
(:func:`kubespawner_profiles`). A policy document that fails :func:`parse_policy` is
refused with the path of the offending field; the policy in force stays as it was.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from hub.accounts import GROUPS

_SLUG = re.compile(r"^[a-z][a-z0-9-]{0,30}$")
_MEMORY = re.compile(r"^(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?$", re.IGNORECASE)
_UNITS = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}
NO_GROUP = "*"
_KIND_KOREAN = {dict: "JSON 객체여야 합니다", list: "목록이어야 합니다"}


class PolicyError(ValueError):
    """A policy that cannot be put in force; ``path`` names the field (``profiles[0].mem``).

    ``problem`` is for logs and the command line; ``korean`` says the same to the staff
    who edit the policy on the admin page."""

    def __init__(self, path: str, problem: str, korean: str) -> None:
        self.path, self.problem, self.korean = path, problem, korean
        super().__init__(f"{path}: {problem}")


def parse_memory(value: str | int, path: str = "memory") -> int:
    """Bytes from ``"2G"``, ``"512M"``, ``"1.5GiB"`` or an integer number of bytes."""
    if isinstance(value, bool):
        raise PolicyError(
            path, f"{value!r} is not a memory size", f"용량이 아닙니다 (입력: {_shown(value)})"
        )
    if isinstance(value, int):
        number = value
    else:
        match = _MEMORY.match(str(value).strip())
        if not match:
            raise PolicyError(
                path,
                f"{value!r} is not a memory size (use e.g. 512M, 2G)",
                f"용량으로 읽을 수 없습니다 (입력: {_shown(value)}; 예: 512M, 2G)",
            )
        number = int(float(match.group(1)) * _UNITS[match.group(2).upper()])
    if number <= 0:
        raise PolicyError(path, f"{value!r} must be more than zero", "0보다 커야 합니다")
    return number


def format_memory(size: int) -> str:
    for unit in ("T", "G", "M", "K"):
        if size % _UNITS[unit] == 0:
            return f"{size // _UNITS[unit]}{unit}"
    return str(size)


@dataclass(frozen=True)
class Profile:
    """A resource profile a user may choose when starting a server."""

    slug: str
    name: str
    description: str
    cpu: float
    mem: int
    gpus: int = 0
    #: Seconds without activity before the server is stopped (0: never).
    idle_timeout: int = 3600
    #: Seconds a server may run at most (0: no limit).
    max_age: int = 0
    #: Processes and threads the server may run at once (a fork bomb stops there).
    pids: int = 1024
    #: Open files per process.
    open_files: int = 4096
    #: Size of the user's home (its own file system, hub/homes.py); the largest profile a
    #: user starts with sets it, and it never shrinks.
    home: int = 10 * 2**30


@dataclass(frozen=True)
class Host:
    """What one machine offers: the bound for every profile and for admission."""

    cpus: float
    mem: int
    #: GPU device ids handed out by the allocator, e.g. ["0", "1"].
    gpus: tuple[str, ...] = ()


@dataclass(frozen=True)
class Policy:
    profiles: dict[str, Profile]
    #: group → profile slugs its members may use; ``"*"`` is for users in no group.
    grants: dict[str, tuple[str, ...]]
    #: user → profile slugs that replace what their groups give.
    users: dict[str, tuple[str, ...]] = field(default_factory=dict)
    host: Host = field(default_factory=lambda: Host(cpus=2, mem=8 * 2**30))

    def profiles_for(self, user: str, groups: set[str]) -> list[Profile]:
        """The profiles a user may use, in the policy's order (user override first)."""
        if user in self.users:
            allowed = set(self.users[user])
        else:
            granted = [self.grants[g] for g in groups if g in self.grants]
            allowed = set().union(*granted) if granted else set(self.grants.get(NO_GROUP, ()))
        return [p for slug, p in self.profiles.items() if slug in allowed]

    def to_document(self) -> dict:
        """The JSON-able document :func:`parse_policy` reads back."""
        return {
            "profiles": [
                {**asdict(p), "mem": format_memory(p.mem), "home": format_memory(p.home)}
                for p in self.profiles.values()
            ],
            "grants": {group: list(slugs) for group, slugs in self.grants.items()},
            "users": {user: list(slugs) for user, slugs in self.users.items()},
            "host": {
                "cpus": self.host.cpus,
                "mem": format_memory(self.host.mem),
                "gpus": list(self.host.gpus),
            },
        }


def parse_policy(document: dict) -> Policy:
    """Check a policy document and build the Policy; raise PolicyError naming the field."""
    if not isinstance(document, dict):
        raise PolicyError("policy", "must be an object", "정책은 JSON 객체여야 합니다")
    _only(document, {"profiles", "grants", "users", "host"}, "policy")
    host = _host(_get(document, "host", dict, "policy"))
    profiles: dict[str, Profile] = {}
    for i, raw in enumerate(_get(document, "profiles", list, "policy")):
        profile = _profile(raw, f"profiles[{i}]", host)
        if profile.slug in profiles:
            raise PolicyError(
                f"profiles[{i}].slug",
                f"{profile.slug!r} is used twice",
                f"식별자 {profile.slug!r}를 두 프로필이 함께 쓸 수 없습니다",
            )
        profiles[profile.slug] = profile
    if not profiles:
        raise PolicyError(
            "profiles", "at least one profile is needed", "프로필이 하나 이상 있어야 합니다"
        )
    grants = {}
    for group, slugs in _get(document, "grants", dict, "policy").items():
        if group != NO_GROUP and group not in GROUPS:
            raise PolicyError(
                f"grants.{group}",
                f"unknown group; known: {', '.join(GROUPS)}",
                f"없는 그룹입니다 (있는 그룹: {', '.join(GROUPS)})",
            )
        grants[group] = _slugs(slugs, f"grants.{group}", profiles)
    users = {}
    raw_users = document.get("users", {})
    if not isinstance(raw_users, dict):
        raise PolicyError("users", "must be a dict", _KIND_KOREAN[dict])
    for user, slugs in raw_users.items():
        if not re.match(r"^[a-z][a-z0-9_-]{1,31}$", str(user)):
            raise PolicyError(
                f"users.{user}",
                "not a valid user name",
                "사용자 이름은 영문 소문자로 시작하고 영문 소문자·숫자·'-'·'_'로 2~32자입니다",
            )
        users[user] = _slugs(slugs, f"users.{user}", profiles)
    return Policy(profiles=profiles, grants=grants, users=users, host=host)


def _host(raw: dict) -> Host:
    _only(raw, {"cpus", "mem", "gpus"}, "host")
    cpus = _number(raw.get("cpus"), "host.cpus")
    gpus = raw.get("gpus", [])
    if not isinstance(gpus, list) or not all(re.match(r"^\d{1,2}$", str(g)) for g in gpus):
        raise PolicyError(
            "host.gpus",
            'a list of device ids such as ["0", "1"]',
            "GPU 장치 번호 목록이어야 합니다 (예: 0, 1)",
        )
    if len(set(map(str, gpus))) != len(gpus):
        raise PolicyError(
            "host.gpus", "a device id is listed twice", "같은 GPU 장치 번호가 두 번 있습니다"
        )
    return Host(
        cpus=cpus, mem=parse_memory(raw.get("mem", 0), "host.mem"), gpus=tuple(str(g) for g in gpus)
    )


def _profile(raw: dict, path: str, host: Host) -> Profile:
    if not isinstance(raw, dict):
        raise PolicyError(path, "must be an object", "프로필은 JSON 객체여야 합니다")
    _only(raw, {f for f in Profile.__dataclass_fields__}, path)
    slug = str(raw.get("slug", ""))
    if not _SLUG.match(slug):
        raise PolicyError(
            f"{path}.slug",
            f"{slug!r}: lower-case letters, digits and '-'",
            f"{slug!r}: 식별자는 영문 소문자로 시작하고 영문 소문자·숫자·'-'로 31자까지입니다",
        )
    name = str(raw.get("name", "")).strip()
    if not name:
        raise PolicyError(f"{path}.name", "a display name is needed", "이름을 입력해 주세요")
    cpu = _number(raw.get("cpu"), f"{path}.cpu")
    mem = parse_memory(raw.get("mem", 0), f"{path}.mem")
    gpus = _integer(raw.get("gpus", 0), f"{path}.gpus")
    if cpu > host.cpus:
        raise PolicyError(
            f"{path}.cpu",
            f"{cpu} CPUs is more than the host's {host.cpus}",
            f"CPU {cpu:g}개는 호스트의 CPU {host.cpus:g}개보다 많습니다",
        )
    if mem > host.mem:
        raise PolicyError(
            f"{path}.mem",
            f"{format_memory(mem)} is more than the host's {format_memory(host.mem)}",
            f"메모리 {format_memory(mem)}는 호스트의 메모리 {format_memory(host.mem)}보다 많습니다",
        )
    if gpus > len(host.gpus):
        raise PolicyError(
            f"{path}.gpus",
            f"{gpus} GPUs; the host has {len(host.gpus)}",
            f"GPU {gpus}개는 호스트의 GPU {len(host.gpus)}개보다 많습니다",
        )
    return Profile(
        slug=slug,
        name=name,
        description=str(raw.get("description", "")),
        cpu=cpu,
        mem=mem,
        gpus=gpus,
        idle_timeout=_integer(raw.get("idle_timeout", 3600), f"{path}.idle_timeout"),
        max_age=_integer(raw.get("max_age", 0), f"{path}.max_age"),
        pids=_bounded(raw.get("pids", 1024), f"{path}.pids", 64, 65536),
        open_files=_bounded(raw.get("open_files", 4096), f"{path}.open_files", 256, 1048576),
        home=_home(raw.get("home", "10G"), f"{path}.home"),
    )


def _slugs(value, path: str, profiles: dict) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise PolicyError(path, "a list of profile slugs", "프로필 식별자 목록이어야 합니다")
    unknown = [s for s in value if not isinstance(s, str) or s not in profiles]
    if unknown:
        raise PolicyError(
            path,
            f"unknown profile(s) {unknown}",
            f"없는 프로필입니다: {', '.join(map(str, unknown))}",
        )
    return tuple(value)


def _get(raw: dict, key: str, kind: type, path: str):
    value = raw.get(key)
    if not isinstance(value, kind):
        where = key if path == "policy" else f"{path}.{key}"
        raise PolicyError(where, f"must be a {kind.__name__}", _KIND_KOREAN[kind])
    return value


def _only(raw: dict, allowed: set[str], path: str) -> None:
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise PolicyError(f"{path}.{unknown[0]}", "unknown field", "알 수 없는 항목입니다")


def _number(value, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise PolicyError(
            path,
            f"{value!r} must be a positive number",
            f"0보다 큰 수여야 합니다 (입력: {_shown(value)})",
        )
    return float(value)


def _integer(value, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise PolicyError(
            path,
            f"{value!r} must be a whole number ≥ 0",
            f"0 이상의 정수여야 합니다 (입력: {_shown(value)})",
        )
    return value


def _shown(value) -> str:
    """A value as staff typed it, for a Korean message ("없음" when it is missing)."""
    return "없음" if value is None or value == "" else str(value)


def _home(value, path: str) -> int:
    size = parse_memory(value, path)
    if size < 64 * 2**20:
        raise PolicyError(
            path,
            f"{format_memory(size)} is too small for a home (64M at least)",
            f"홈 용량 {format_memory(size)}는 너무 작습니다 (64M 이상)",
        )
    return size


def _bounded(value, path: str, low: int, high: int) -> int:
    number = _integer(value, path)
    if not low <= number <= high:
        raise PolicyError(
            path,
            f"{number} must be between {low} and {high}",
            f"{number}: {low} 이상 {high} 이하여야 합니다",
        )
    return number


def kubespawner_profiles(policy: Policy, user: str, groups: set[str]) -> list[dict]:
    """The KubeSpawner ``profile_list`` this user sees (use it from a callable
    ``c.KubeSpawner.profile_list``)."""
    result = []
    for i, p in enumerate(policy.profiles_for(user, groups)):
        override = {
            "cpu_limit": p.cpu,
            "cpu_guarantee": p.cpu / 2,
            "mem_limit": format_memory(p.mem),
            "mem_guarantee": format_memory(p.mem // 2),
        }
        if p.gpus:
            override["extra_resource_limits"] = {"nvidia.com/gpu": str(p.gpus)}
        result.append(
            {
                "display_name": p.name,
                "slug": p.slug,
                "description": p.description,
                "default": i == 0,
                "kubespawner_override": override,
            }
        )
    return result
