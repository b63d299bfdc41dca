"""The hub on a real PostgreSQL database (SDH_DB_URL), across a hub restart."""

from __future__ import annotations

import pytest

from tests.postgres_server import PostgresServer
from tests.running_hub import run_code

pytestmark = pytest.mark.docker


@pytest.fixture
def postgres():
    server = PostgresServer().start()
    yield server
    server.stop()


def test_hub_keeps_users_tokens_and_servers_in_postgres(make_hub, docker_engine, postgres):
    hub = make_hub(db_url=postgres.create_database("jupyterhub"))
    hub.add_user("alice", "analyst")
    hub.start()
    token = hub.start_servers("alice")["alice"]
    run_code(hub, token, "alice", "open('/home/jovyan/pg.txt', 'w').write('before restart')")

    hub.restart_hub()

    # the same token, the same running server, reached through the proxy
    model = hub.api(token, "GET", "/users/alice").json()
    assert model["servers"][""]["ready"], model
    out = run_code(hub, token, "alice", "print(open('/home/jovyan/pg.txt').read())")
    assert out.strip() == "before restart", out
    assert len(hub.containers_named("alice")) == 1

    # users, tokens and servers live in PostgreSQL; no SQLite hub database was made
    assert not (hub.settings.state_dir / "jupyterhub.sqlite").exists()
    with postgres.connect("jupyterhub") as db:
        (alice_id,) = db.execute("SELECT id FROM users WHERE name = 'alice'").fetchone()
        tokens = db.execute("SELECT count(*) FROM api_tokens WHERE user_id = %s", (alice_id,))
        assert tokens.fetchone()[0] >= 1
        servers = db.execute(
            "SELECT count(*) FROM servers JOIN spawners ON spawners.server_id = servers.id"
            " WHERE spawners.user_id = %s",
            (alice_id,),
        )
        assert servers.fetchone()[0] == 1
