"""What a user server held is given back when it ends without a stop.

JupyterHub calls ``Spawner.stop`` only for a server that ``poll`` says is running
(``User.stop``). A server found not running is dropped from the hub's database without it,
and DockerSpawner then leaves behind what only ``stop`` cleans up:

- the hub restarted (``kill -9``, a crash) while a spawn was under way: the container made
  but never started stays in ``created`` state, owned by nobody; the memory and GPUs booked
  in the quota store stay booked; the user's home stays mounted;
- the server exited by itself (idle shutdown, out of memory) or the Docker engine went
  down: the booking and the mount stay until some later spawn reconciles the store.

:func:`release` gives all three back; the spawner calls it from ``poll`` whenever the
server does not run. A spawn the hub did not see finish (:func:`spawn_interrupted`) is not
adopted, even if its container runs: its start never returned, so its CPU quota may not be
applied and the hub never recorded where it listens. It is removed and the user starts
again. A server whose start had returned is adopted as JupyterHub does (poll, then a check
that it answers).

While the engine cannot be reached, a container cannot be asked about:
:func:`answers` asks the server itself, so a server is reported running only while it
answers, and never "ready" while dead.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from functools import partial

import docker.errors
import requests

from hub.homes import unmount
from hub.quota_store import QuotaStore

log = logging.getLogger(__name__)

#: The poll status of a spawn that a hub restart cut short.
INTERRUPTED = "spawn interrupted by a hub restart"
#: The poll status of a server that neither the engine nor the server itself confirms.
UNREACHABLE = "Docker engine unreachable and the server does not answer"


async def poll(spawner, docker_poll) -> int | str | None:
    """``SeoulDockerSpawner.poll``: DockerSpawner's ``docker_poll``, made safe for servers
    that end without a stop (see the module docstring); None while the server runs."""
    interrupted = spawn_interrupted(spawner.pending, spawner.object_id)
    in_thread = partial(_in_thread, spawner.executor)
    try:
        status = await docker_poll()
    except requests.exceptions.ConnectionError:
        if spawner.server is None:
            raise
        status = None if await in_thread(answers, spawner.server.url) else UNREACHABLE
    if status is None and interrupted:
        status = INTERRUPTED
    # a failing spawn cleans up after itself; every other caller gets the server released
    if status is not None and spawner.pending != "spawn":
        spawner.log.warning("%s's server is not running (%s)", spawner.user.name, status)
        await in_thread(
            lambda: release(
                spawner.client,
                spawner.object_name,
                spawner.user.name,
                homes_dir=spawner.homes_dir,
                home_name=spawner.escaped_name,
                store=spawner.quota_store(),  # opening the store writes: not on the loop
            )
        )
    return status


def spawn_interrupted(pending: str | None, container_id: str) -> bool:
    """True for a server the hub checks at its start (``pending == "check"``) whose saved
    state has no container: the hub died before the spawn's start returned (JupyterHub
    saves the state only then)."""
    return pending == "check" and not container_id


def answers(url: str, timeout: float = 3) -> bool:
    """Whether the server at ``url`` (its base URL) answers HTTP at all (blocking)."""
    try:
        requests.get(f"{url.rstrip('/')}/api", timeout=timeout)
    except requests.RequestException:
        return False
    return True


def release(
    client,
    container_name: str,
    user: str,
    *,
    homes_dir: str = "",
    home_name: str = "",
    store: QuotaStore | None = None,
) -> None:
    """Remove ``user``'s container if one is left (running or not), unmount their home and
    close their bookings (blocking: call from an executor). Each step runs even when an
    earlier one fails: an unreachable engine must not keep the memory booked."""
    try:
        client.remove_container(container_name, force=True, v=True)
        log.warning("%s's server: removed its left-over container %s", user, container_name)
    except docker.errors.NotFound:
        pass
    except docker.errors.APIError as e:
        if e.status_code != 409:  # 409: already being removed (--rm)
            log.warning("%s's server: container %s not removed: %s", user, container_name, e)
    except (docker.errors.DockerException, requests.RequestException) as e:
        log.warning(
            "%s's server: container %s not removed (engine unreachable): %s",
            user,
            container_name,
            e,
        )
    if homes_dir:
        with contextlib.suppress(OSError):
            unmount(homes_dir, home_name or user)
    if store is not None:
        closed = store.close_sessions(user)
        if closed:
            log.warning("%s's server is not running: its booking is closed", user)


async def _in_thread(executor, function, *args, **kwargs):
    return await asyncio.wrap_future(executor.submit(function, *args, **kwargs))
