"""Settings from the environment and their translation into JupyterHub config."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from traitlets.config import Config

from hub.config import configure
from hub.settings import HubSettings, SettingsError


def test_defaults_are_loopback_and_sqlite(tmp_path):
    settings = HubSettings.from_env({"SDH_STATE_DIR": str(tmp_path)})
    assert settings.bind_url == "http://127.0.0.1:8000"
    assert settings.state_dir == tmp_path
    assert settings.database_url == f"sqlite:///{tmp_path / 'jupyterhub.sqlite'}"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("SDH_HUB_PORT", "eighty"),
        ("SDH_HUB_PORT", "70000"),
        ("SDH_MEM_LIMIT", "-2G"),
        ("SDH_CPU_LIMIT", "0"),
        ("SDH_BIND_URL", "127.0.0.1:8000"),
        ("SDH_CONTAINER_PREFIX", "Bad Prefix"),
        ("SDH_DASHBOARDS_MAX_KERNELS", "-1"),
        ("SDH_DASHBOARDS_RELEASE_AFTER", "-5"),
        ("SDH_DASHBOARDS_PREPARED", "maybe"),
        ("SDH_DASHBOARDS_POOL", "-1"),
        ("SDH_DASHBOARDS_PORT", "0"),
        ("SDH_GATEWAY_PORT", "65536"),
        ("SDH_GATEWAY_PROXY_PORT", "0"),
        ("SDH_MAP_TILE_URL", "tiles.internal/a.png"),
        ("SDH_MAP_TILE_URL", "http://tiles.internal/{z}/{x}.png"),
        ("SDH_NETWORK", "seoul-hub-net"),
        ("SDH_NETWORK_POOL", "8.8.0.0/16"),
        ("SDH_NETWORK_POOL", "10.0.0.0/28"),
    ],
)
def test_bad_values_name_the_variable(variable, value):
    with pytest.raises(SettingsError, match=variable):
        HubSettings.from_env({variable: value})


def test_switches_read_as_people_write_them():
    for raw, value in (("False", False), ("0", False), ("no", False), ("true", True)):
        assert HubSettings.from_env({"SDH_DASHBOARDS_PREPARED": raw}).dashboards_prepared is value
    settings = HubSettings(dashboards_prepared=False)
    assert HubSettings.from_env(settings.environment()).dashboards_prepared is False


def _configured(tmp_path: Path, **env) -> Config:
    c = Config()
    environ = {
        "SDH_STATE_DIR": str(tmp_path / "state"),
        "SDH_DATA_DIR": str(tmp_path / "data"),
        "SDH_HOMES_DIR": str(tmp_path / "var" / "homes"),
        "SDH_NETWORK": "host",
    }
    configure(c, HubSettings.from_env({**environ, **env}))
    return c


def test_spawner_config_host_network(tmp_path):
    c = _configured(tmp_path, SDH_MEM_LIMIT="3G", SDH_CPU_LIMIT="0.5")
    assert c.JupyterHub.spawner_class == "seoul-docker"
    assert c.SeoulDockerSpawner.network_mode == "host"
    assert c.DockerSpawner.pull_policy == "never"
    assert c.Spawner.mem_limit == "3G" and c.Spawner.cpu_limit == 0.5
    volumes = c.DockerSpawner.volumes
    assert volumes[str(tmp_path / "var" / "homes" / "mnt" / "{username}")] == "/home/jovyan"
    assert volumes[str(tmp_path / "data")] == {"bind": "/srv/data", "mode": "ro"}
    assert {"bind": "/home/jovyan/dashboards", "mode": "ro"} in volumes.values()
    assert c.JupyterHub.hub_ip == "127.0.0.1"


def test_an_internal_tile_server_reaches_user_servers_and_dashboards(tmp_path):
    assert "SDH_MAP_TILE_URL" not in _configured(tmp_path).Spawner.environment
    url = "http://tiles.seoul.internal/{z}/{x}/{y}.png"
    c = _configured(tmp_path, SDH_MAP_TILE_URL=url, SDH_MAP_TILE_ATTRIBUTION="서울시 내부 지도")
    assert c.Spawner.environment["SDH_MAP_TILE_URL"] == url
    dashboards = next(s for s in c.JupyterHub.services if s["name"] == "dashboards")
    assert dashboards["environment"]["SDH_MAP_TILE_ATTRIBUTION"] == "서울시 내부 지도"
    assert dashboards["environment"]["SEOUL_AI_MAX_CPUS"] == "1"


@pytest.mark.docker
def test_isolated_network_puts_the_hub_on_its_own_bridge(tmp_path, docker_engine):
    import ipaddress

    import docker

    from hub.network import remove_networks

    prefix = f"sdhcfg{os.getpid()}"
    try:
        c = _configured(
            tmp_path,
            SDH_NETWORK="isolated",
            SDH_CONTAINER_PREFIX=prefix,
            SDH_DOCKER_HOST=docker_engine,
        )
        hub_ip = ipaddress.ip_address(c.JupyterHub.hub_ip)
        assert hub_ip in ipaddress.ip_network("10.213.0.0/16")
        assert c.JupyterHub.hub_connect_ip == str(hub_ip)
        assert c.SeoulDockerSpawner.network_mode == "isolated"
        assert c.Spawner.disable_user_config is True
        # Dask Gateway with its Docker backend, its proxies on the hub's address (the one
        # user containers reach): tests/test_dask_gateway.py runs it
        gateway = next(s for s in c.JupyterHub.services if s["name"] == "dask-gateway")
        assert gateway["url"] == f"http://{hub_ip}:8084"
        assert gateway["environment"]["SDH_NETWORK"] == "isolated"
        assert c.Spawner.environment["DASK_GATEWAY__PROXY_ADDRESS"] == f"gateway://{hub_ip}:8085"
        # the same network again on the next start (the hub's address does not move)
        again = _configured(
            tmp_path,
            SDH_NETWORK="isolated",
            SDH_CONTAINER_PREFIX=prefix,
            SDH_DOCKER_HOST=docker_engine,
        )
        assert again.JupyterHub.hub_ip == str(hub_ip)
    finally:
        remove_networks(docker.APIClient(base_url=docker_engine), prefix)


def test_the_state_directory_is_the_platforms_alone(tmp_path):
    _configured(tmp_path)
    state = tmp_path / "state"
    assert state.stat().st_mode & 0o777 == 0o700
    for name in ("proxy_token", "quota.sqlite"):
        assert (state / name).stat().st_mode & 0o077 == 0, name


def test_deny_by_default_and_external_proxy(tmp_path):
    c = _configured(tmp_path, SDH_DB_URL="postgresql://hub@db/hub")
    assert c.JupyterHub.authenticator_class == "seoul-password"
    assert "allow_all" not in c.Authenticator
    assert c.JupyterHub.load_roles[0] == {"name": "user", "scopes": ["self"]}
    quota_admins = next(r for r in c.JupyterHub.load_roles if r["name"] == "quota-admins")
    assert quota_admins == {
        "name": "quota-admins",
        "groups": ["admin"],
        "scopes": ["access:services!service=quota"],
    }
    assert {s["name"] for s in c.JupyterHub.services} == {
        "quota",
        "dashboards",
        "dask-gateway",
        "idle-culler",
    }
    viewers = next(r for r in c.JupyterHub.load_roles if r["name"] == "dashboard-viewers")
    assert viewers == {
        "name": "dashboard-viewers",
        "groups": ["staff", "analyst", "admin"],
        "scopes": ["access:services!service=dashboards"],
    }
    assert c.JupyterHub.db_url == "postgresql://hub@db/hub"
    assert c.JupyterHub.proxy_class == "hub.detached_proxy.DetachedProxy"
    token_file = tmp_path / "state" / "proxy_token"
    assert c.ConfigurableHTTPProxy.auth_token == token_file.read_text()
    assert token_file.stat().st_mode & 0o077 == 0
    # a second configure (hub restart) keeps the same secret
    assert _configured(tmp_path).ConfigurableHTTPProxy.auth_token == token_file.read_text()


def test_every_managed_service_runs_a_module_that_is_installed(tmp_path):
    """The hub restarts a service whose command fails at once, every few seconds, for ever
    (the idle culler did, its package missing): each ``python -m`` module must be there."""
    import importlib.util

    for service in _configured(tmp_path).JupyterHub.services:
        command = service.get("command", [])
        modules = [command[i + 1] for i, part in enumerate(command[:-1]) if part == "-m"]
        for module in modules:
            assert importlib.util.find_spec(module), f"{service['name']}: no module {module}"


def test_first_start_puts_the_default_quota_policy_in_force(tmp_path):
    from hub.quota_store import QuotaStore

    _configured(tmp_path, SDH_MEM_LIMIT="1G")
    policy = QuotaStore(tmp_path / "state" / "quota.sqlite").policy()
    assert policy.profiles["basic"].mem == 2**30
    assert [p.slug for p in policy.profiles_for("kim", {"staff"})] == ["basic"]


@pytest.mark.parametrize(
    ("value", "bind_url"),
    [
        ("localhost:8000", "http://127.0.0.1:8000"),  # no scheme
        ("ftp://hub.seoul.go.kr", "http://127.0.0.1:8000"),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),  # an IP has no subdomains
        ("http://[::1]:8000", "http://127.0.0.1:8000"),
        ("http://hub_seoul.go.kr:8000", "http://127.0.0.1:8000"),
        ("http://-hub.seoul.go.kr:8000", "http://127.0.0.1:8000"),
        ("http://localhost:8000/hub", "http://127.0.0.1:8000"),  # a path
        ("http://localhost:8000/", "http://127.0.0.1:8000"),
        ("http://admin@localhost:8000", "http://127.0.0.1:8000"),
        ("http://localhost:99999", "http://127.0.0.1:8000"),
        ("http://localhost:9000", "http://127.0.0.1:8000"),  # not where the proxy listens
        ("http://localhost", "http://127.0.0.1:8000"),
        ("http://hub.seoul.go.kr", "https://0.0.0.0:443"),
    ],
)
def test_a_subdomain_host_is_a_dns_name_where_the_proxy_listens(value, bind_url):
    with pytest.raises(SettingsError, match="SDH_SUBDOMAIN_HOST"):
        HubSettings.from_env({"SDH_SUBDOMAIN_HOST": value, "SDH_BIND_URL": bind_url})


@pytest.mark.parametrize(
    ("value", "bind_url"),
    [
        ("http://localhost:8000", "http://127.0.0.1:8000"),
        ("http://hub.localhost:8000", "http://0.0.0.0:8000"),
        ("http://Hub.Seoul.go.kr", "http://0.0.0.0:80"),
        # TLS ends in front of the proxy (a load balancer with the wildcard certificate)
        ("https://hub.seoul.go.kr", "http://0.0.0.0:8000"),
    ],
)
def test_good_subdomain_hosts(value, bind_url):
    settings = HubSettings.from_env({"SDH_SUBDOMAIN_HOST": value, "SDH_BIND_URL": bind_url})
    assert settings.subdomain_host == value


def test_subdomains_are_off_by_default(tmp_path):
    from hub.processes import proxy_command

    c = _configured(tmp_path)
    assert "subdomain_host" not in c.JupyterHub
    assert "cookie_host_prefix_enabled" not in c.JupyterHub
    assert "--host-routing" not in proxy_command(HubSettings(), "http://127.0.0.1:8081")


def test_subdomains_route_by_host_and_keep_the_hubs_cookie_at_home(tmp_path):
    from hub.processes import proxy_command

    c = _configured(tmp_path, SDH_SUBDOMAIN_HOST="http://localhost:8000")
    assert c.JupyterHub.subdomain_host == "http://localhost:8000"
    # __Host- cookies must be Secure: plain http keeps JupyterHub's host-only cookie
    assert c.JupyterHub.cookie_host_prefix_enabled is False
    settings = HubSettings(subdomain_host="http://localhost:8000")
    assert "--host-routing" in proxy_command(settings, "http://127.0.0.1:8081")

    c = _configured(tmp_path, SDH_SUBDOMAIN_HOST="https://hub.seoul.go.kr")
    assert c.JupyterHub.cookie_host_prefix_enabled is True


def test_a_proxy_routing_the_other_way_is_refused(tmp_path):
    import subprocess
    import sys

    from hub.processes import ProcessError, _check_routing

    # what a proxy started before SDH_SUBDOMAIN_HOST was set looks like to the next start
    command = [sys.executable, "-c", "import time; time.sleep(60)", "--log-level", "warn"]
    proxy = subprocess.Popen(command)
    try:
        _check_routing(HubSettings(), proxy.pid)
        with pytest.raises(ProcessError, match="SDH_SUBDOMAIN_HOST"):
            _check_routing(HubSettings(subdomain_host="http://localhost:8000"), proxy.pid)
    finally:
        proxy.kill()
        proxy.wait()


def test_home_page_links_follow_services_to_their_hosts():
    from types import SimpleNamespace

    from hub.entrances import Entrance

    quota = Entrance("quota", "자원 할당 관리", "", "services/quota/", ("admin",))
    lab = Entrance("lab", "JupyterLab", "", "hub/spawn")
    assert quota.href("/hub/") == "/services/quota/"
    assert quota.href("/base/hub/") == "/base/services/quota/"
    # JupyterHub's service objects: with subdomains a service has a host of its own
    host = "http://quota--service.localhost:8000"
    on_a_host = SimpleNamespace(prefix="/services/quota/", host=host)
    on_the_hub = SimpleNamespace(prefix="/services/quota/", host="")
    assert quota.href("/hub/", [on_a_host]) == f"{host}/services/quota/"
    assert quota.href("/hub/", [on_the_hub]) == "/services/quota/"
    assert lab.href("/hub/", [on_a_host]) == "/hub/spawn"
