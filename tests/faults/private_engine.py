"""A Docker engine of the test's own, to stop and start without touching the shared one.

Its socket, exec root and pid file are in a fresh folder under /run; it makes no bridge and
no iptables rules (the shared engine's stay as they are), so it serves the development
``host`` network only. Its data root is kept in ``CACHE`` between runs: the user image
(2.3 GB) is copied in from the shared engine only when it is missing or changed (about 90 s
on a two-core machine), and a lock keeps two runs from sharing that data root at once.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import docker

CACHE = Path(os.environ.get("SDH_FAULTS_ENGINE_CACHE", "/var/lib/sdh-faults-engine"))


class PrivateEngine:
    """dockerd with its own socket and data root; ``stop()`` and ``start()`` at will."""

    def __init__(self) -> None:
        CACHE.mkdir(parents=True, exist_ok=True)
        self._lock = open(CACHE / "lock", "w")  # noqa: SIM115 (held until close())
        fcntl.flock(self._lock, fcntl.LOCK_EX)
        # short: the socket path must fit in 108 bytes, with containerd's under exec/
        self.run_dir = Path(tempfile.mkdtemp(prefix="sdhf-", dir="/run"))
        self.url = f"unix://{self.run_dir / 'docker.sock'}"
        self.log = self.run_dir / "dockerd.log"
        self.process: subprocess.Popen | None = None

    def command(self) -> list[str]:
        namespace = f"sdhfault{os.getpid()}"
        # aligned table: one option and its value a line (the formatter would part them)
        return [
            "dockerd",
            "--bridge=none",
            "--iptables=false",
            "--ip6tables=false",
            "--ip-masq=false",
            "--ip-forward=false",
            "--host", self.url,
            "--data-root", str(CACHE / "data"),
            "--exec-root", str(self.run_dir / "exec"),
            "--pidfile", str(self.run_dir / "docker.pid"),
            "--containerd-namespace", namespace,
            "--containerd-plugins-namespace", f"{namespace}-plugins",
        ]  # fmt: skip

    def start(self, timeout: float = 60) -> None:
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                self.command(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while not self.reachable():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"private dockerd did not start: {self.log.read_text()[-3000:]}")
            time.sleep(0.2)

    def stop(self, timeout: float = 60) -> None:
        """Stop the engine as an operator would (SIGTERM): its containers stop with it."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def reachable(self) -> bool:
        try:
            docker.DockerClient(base_url=self.url, timeout=5).ping()
        except Exception:
            return False
        return True

    def ensure_image(self, image: str, shared_url: str) -> float:
        """Copy ``image`` from the shared engine unless this one has it; return seconds."""
        shared = docker.DockerClient(base_url=shared_url).images.get(image).id
        mine = docker.DockerClient(base_url=self.url)
        try:
            if mine.images.get(image).id == shared:
                return 0.0
        except docker.errors.ImageNotFound:
            pass
        started = time.monotonic()
        save = subprocess.Popen(["docker", "-H", shared_url, "save", image], stdout=subprocess.PIPE)
        subprocess.run(
            ["docker", "-H", self.url, "load", "-q"],
            stdin=save.stdout,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        save.stdout.close()
        assert save.wait() == 0, f"docker save {image} failed"
        return time.monotonic() - started

    def close(self) -> None:
        """Stop the engine, remove its run folder, let the next run have the data root."""
        try:
            self.stop()
        finally:
            # dockerd leaves its network namespace mounted in the exec root
            for mount in reversed(Path("/proc/self/mounts").read_text().splitlines()):
                target = mount.split()[1]
                if target.startswith(f"{self.run_dir}/"):
                    subprocess.run(["umount", "--lazy", target], check=False)
            shutil.rmtree(self.run_dir, ignore_errors=True)
            fcntl.flock(self._lock, fcntl.LOCK_UN)
            self._lock.close()
