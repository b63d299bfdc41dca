"""Build the Seoul Data Hub container images against the local Docker engine.

    python images/build.py [base|singleuser|gpu|all] [--base-image IMAGE] [--force]

- ``base``: ``seoul-data-hub/base:bookworm``, a minimal Debian made with debootstrap and
  ``docker import`` (no registry is needed). Made only when missing.
- ``singleuser``: ``seoul-data-hub/singleuser:latest`` from ``images/singleuser/``, built
  FROM the base, or FROM ``--base-image`` (a jupyter docker-stacks image in production).
- ``gpu``: ``seoul-data-hub/singleuser-gpu:latest``, the single-user image plus CUDA
  PyTorch. Only built when asked for by name: it downloads several GB.
- ``all``: base and singleuser.

An image is rebuilt only when its inputs change: a sha256 over its build context and its
parent image is stored in the image label ``org.seoul-data-hub.inputs``. ``--force``
rebuilds the images the target names (``all``: base and singleuser) without docker's
layer cache. Stdlib only: it runs before any virtual environment exists.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import hashlib
import http.server
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

IMAGES_DIR = Path(__file__).resolve().parent
REPO_ROOT = IMAGES_DIR.parent

BASE_IMAGE = "seoul-data-hub/base:bookworm"
SINGLEUSER_IMAGE = "seoul-data-hub/singleuser:latest"
GPU_IMAGE = "seoul-data-hub/singleuser-gpu:latest"
INPUTS_LABEL = "org.seoul-data-hub.inputs"

DEBIAN_SUITE = "bookworm"
DEBIAN_MIRROR = "http://deb.debian.org/debian"
DEBOOTSTRAP_PACKAGES = ("python3", "python3-venv", "ca-certificates")

#: The build host's CA bundle. It carries the organisation's CAs (HTTPS goes through an
#: interception proxy), which must be trusted inside the build and the user containers.
DEFAULT_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
#: Name of the CA bundle inside the single-user build context (see its Dockerfile).
CA_BUNDLE_NAME = "org-ca-bundle.crt"

#: What of the repository goes into the image: setup.cfg packages seoul_data and hub.
PROJECT_FILES = ("setup.cfg", "pyproject.toml", "README.md")
PROJECT_DIRS = ("seoul_data", "hub", "extensions", "share", "examples")
#: Generated files that change without their sources changing.
SKIPPED_NAMES = ("__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache")
SKIPPED_SUFFIXES = (".pyc", ".pyo", ".egg-info")

#: Keep the base small, as Debian's own "slim" images do: no manuals, documentation
#: (copyright files stay) or translations from packages installed later.
DPKG_SLIM_CONFIG = """\
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/lintian/*
"""

APT_SOURCES = f"""\
deb {DEBIAN_MIRROR} {DEBIAN_SUITE} main
deb {DEBIAN_MIRROR} {DEBIAN_SUITE}-updates main
deb http://deb.debian.org/debian-security {DEBIAN_SUITE}-security main
"""


#: PyTorch for CPUs in the single-user image (the AI dashboard's network model, the torch
#: examples). PyPI's own torch wheel is the CUDA build (several GB), so the image gets it
#: only from a CPU wheel of this version in pip's find-links folders (PIP_FIND_LINKS, a
#: wheelhouse mirror), served to the build on loopback; without one the image has no torch.
TORCH_CPU_WHEEL = "torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl"
#: The loopback port the wheel is served on during a build: fixed, so the build argument
#: (and docker's layer cache) stays the same from one build to the next.
WHEEL_PORT = 18099


class BuildError(Exception):
    """A build step failed; the message says what to do about it."""


def log(message: str) -> None:
    """Print one progress line."""
    print(f"[images] {message}", flush=True)


def run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    """Run a command, raising BuildError when it fails or cannot be started."""
    try:
        return subprocess.run(cmd, check=True, **kwargs)
    except FileNotFoundError as exc:
        raise BuildError(f"{cmd[0]} not found: {exc}") from exc
    except subprocess.CalledProcessError as exc:
        command = " ".join(cmd[:3])
        raise BuildError(f"`{command} ...` failed with exit status {exc.returncode}") from exc


def check_docker() -> None:
    """Fail with a clear message unless the docker CLI can reach an engine."""
    if shutil.which("docker") is None:
        raise BuildError("the docker CLI is not installed (apt-get install docker.io)")
    proc = subprocess.run(
        ["docker", "version", "--format", "{{.Server.Version}}"],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        host = os.environ.get("DOCKER_HOST", "the default socket")
        detail = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "no answer"
        raise BuildError(
            f"cannot reach the Docker engine at {host} ({detail}); "
            "start dockerd or export DOCKER_HOST=unix:///path/to/docker.sock"
        )
    log(f"Docker engine {proc.stdout.strip()} at {os.environ.get('DOCKER_HOST', 'default socket')}")


def inspect_image(image: str, template: str) -> str | None:
    """Return ``docker image inspect --format template`` for an image, None if it is absent."""
    proc = subprocess.run(
        ["docker", "image", "inspect", "--format", template, image],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        return None
    return proc.stdout.strip()


def image_id(image: str) -> str | None:
    """Return the image's ID, or None if the engine does not have it."""
    return inspect_image(image, "{{.Id}}")


def inputs_label(image: str) -> str | None:
    """Return the inputs digest an image was built from, or None."""
    value = inspect_image(image, f'{{{{index .Config.Labels "{INPUTS_LABEL}"}}}}')
    return value or None


def debootstrap_path() -> str:
    """Return the debootstrap executable, which often lives in an sbin not on PATH."""
    found = shutil.which("debootstrap") or shutil.which("debootstrap", path="/usr/sbin:/sbin")
    if found is None:
        raise BuildError(
            "debootstrap is missing: apt-get install debootstrap, "
            "or pass --base-image to build on an existing image"
        )
    return found


def slim_rootfs(rootfs: Path) -> None:
    """Make a fresh debootstrap tree fit to be an image: no caches, logs or host files."""
    (rootfs / "etc/apt/sources.list").write_text(APT_SOURCES)
    (rootfs / "etc/dpkg/dpkg.cfg.d/seoul-data-hub-slim").write_text(DPKG_SLIM_CONFIG)
    # debootstrap copies the build host's name and resolver; docker provides both.
    (rootfs / "etc/hostname").unlink(missing_ok=True)
    (rootfs / "etc/resolv.conf").write_text("")
    for pattern in (
        "var/cache/apt/archives/*.deb",
        "var/cache/apt/*.bin",
        "var/lib/apt/lists/*",
        "var/log/*.log",
        "var/log/apt/*",
        "usr/share/man/*",
        "usr/share/info/*",
        "usr/share/locale/*",
        "usr/share/lintian/*",
    ):
        for path in rootfs.glob(pattern):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
    for path in (rootfs / "usr/share/doc").glob("*/*"):
        if path.name != "copyright":
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()


def make_base_image(force: bool) -> None:
    """Make the Debian base image with debootstrap and ``docker import`` unless it exists."""
    if image_id(BASE_IMAGE) and not force:
        log(f"{BASE_IMAGE}: present")
        return
    debootstrap = debootstrap_path()
    if os.geteuid() != 0:
        raise BuildError("debootstrap needs root: run the base build as root (or via sudo)")
    log(f"{BASE_IMAGE}: debootstrap {DEBIAN_SUITE} (minbase + {', '.join(DEBOOTSTRAP_PACKAGES)})")
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="sdh-rootfs-") as tmp:
        rootfs = Path(tmp) / "rootfs"
        run(
            [
                debootstrap,
                "--variant=minbase",
                f"--include={','.join(DEBOOTSTRAP_PACKAGES)}",
                DEBIAN_SUITE,
                str(rootfs),
                DEBIAN_MIRROR,
            ],
            stdout=subprocess.DEVNULL,
        )
        slim_rootfs(rootfs)
        log(f"{BASE_IMAGE}: docker import")
        tar = subprocess.Popen(["tar", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE)
        try:
            run(
                [
                    "docker",
                    "import",
                    "--change",
                    "ENV LANG=C.UTF-8",
                    "--change",
                    'CMD ["/bin/bash"]',
                    "-",
                    BASE_IMAGE,
                ],
                stdin=tar.stdout,
                stdout=subprocess.DEVNULL,
            )
        finally:
            tar.stdout.close()
            if tar.wait() != 0:
                raise BuildError(f"tar of {rootfs} failed with exit status {tar.returncode}")
    log(f"{BASE_IMAGE}: made in {time.monotonic() - started:.0f} s")


def parent_identity(image: str) -> str:
    """Return the ID of a parent image, pulling it first when it is not present."""
    found = image_id(image)
    if found is None:
        log(f"{image}: not present, pulling")
        try:
            run(["docker", "pull", image])
        except BuildError as exc:
            raise BuildError(f"base image {image} is not present and could not be pulled") from exc
        found = image_id(image)
        if found is None:
            raise BuildError(f"base image {image} is still missing after docker pull")
    return found


def _skipped(path: Path) -> bool:
    """Tell whether a file or folder is a generated artefact, not a build input."""
    return path.name in SKIPPED_NAMES or path.name.endswith(SKIPPED_SUFFIXES)


def tree_files(root: Path, prefix: str) -> dict[str, Path | None]:
    """Map ``prefix/relative`` to each source file under root (generated files left out)."""
    files: dict[str, Path | None] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not _skipped(Path(dirpath, d)))
        for name in sorted(filenames):
            path = Path(dirpath, name)
            if not _skipped(path):
                files[f"{prefix}/{path.relative_to(root).as_posix()}"] = path
    return files


def project_files() -> dict[str, Path | None]:
    """The project as the image installs it, under ``project/`` in the build context.

    A missing README.md (setup.cfg reads it) maps to None: an empty placeholder.
    """
    files: dict[str, Path | None] = {}
    for name in PROJECT_FILES:
        path = REPO_ROOT / name
        if path.is_file():
            files[f"project/{name}"] = path
        elif name == "README.md":
            files[f"project/{name}"] = None
        else:
            raise BuildError(f"{path} is missing: the image installs the project from it")
    for name in PROJECT_DIRS:
        if (REPO_ROOT / name).is_dir():
            files.update(tree_files(REPO_ROOT / name, f"project/{name}"))
    return files


def singleuser_context(ca_bundle: Path) -> dict[str, Path | None]:
    """Every file of the single-user build context, by its path in the context."""
    if not ca_bundle.is_file():
        raise BuildError(f"CA bundle {ca_bundle} not found: pass --ca-bundle PATH")
    files = tree_files(IMAGES_DIR / "singleuser", ".")
    files = {name.removeprefix("./"): path for name, path in files.items()}
    files[CA_BUNDLE_NAME] = ca_bundle
    files.update(project_files())
    return files


def gpu_context() -> dict[str, Path | None]:
    """Every file of the GPU build context, by its path in the context."""
    files = tree_files(IMAGES_DIR / "gpu", ".")
    return {name.removeprefix("./"): path for name, path in files.items()}


def inputs_digest(files: dict[str, Path | None], parent: str) -> str:
    """Return a sha256 over the context's names and contents and the parent image ID."""
    digest = hashlib.sha256()
    digest.update(f"parent\0{parent}\0".encode())
    for name in sorted(files):
        path = files[name]
        content = path.read_bytes() if path is not None else b""
        digest.update(f"{name}\0{len(content)}\0".encode())
        digest.update(content)
    return digest.hexdigest()


def write_context(files: dict[str, Path | None], dest: Path) -> None:
    """Copy the context files into dest; None entries become empty files."""
    for name, path in files.items():
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if path is None:
            target.write_bytes(b"")
        else:
            shutil.copyfile(path, target)


def cpu_torch_wheel() -> Path | None:
    """The CPU build of torch from pip's find-links folders, if there is one."""
    for folder in os.environ.get("PIP_FIND_LINKS", "").split():
        wheel = Path(folder.removeprefix("file://")) / TORCH_CPU_WHEEL
        if wheel.is_file():
            return wheel
    return None


@contextlib.contextmanager
def served(wheel: Path | None):
    """Serve ``wheel``'s folder on 127.0.0.1 during a build; yields its URL (or "")."""
    if wheel is None:
        yield ""
        return
    handler = functools.partial(QuietHandler, directory=str(wheel.parent))
    try:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", WHEEL_PORT), handler)
    except OSError:  # the port is taken: any port (the torch layer is then rebuilt)
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/{urllib.parse.quote(wheel.name)}"
    finally:
        server.shutdown()
        server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args) -> None:  # noqa: A002 (the base's name)
        pass


def build_image(
    tag: str, files: dict[str, Path | None], base_image: str, force: bool, wheel: Path | None = None
) -> None:
    """Build tag from a context of files FROM base_image, unless its inputs are unchanged;
    ``wheel`` (torch for CPUs) is installed from loopback when given."""
    parent = parent_identity(base_image) + (f"+{wheel.name}" if wheel else "")
    digest = inputs_digest(files, parent)
    if not force and inputs_label(tag) == digest:
        log(f"{tag}: up to date (inputs {digest[:12]})")
        return
    previous = image_id(tag)
    reason = "forced" if force else ("inputs changed" if previous else "not present")
    log(f"{tag}: building FROM {base_image} ({reason}; inputs {digest[:12]})")
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="sdh-context-") as tmp, served(wheel) as url:
        context = Path(tmp)
        write_context(files, context)
        if wheel:
            log(f"{tag}: torch for CPUs from {wheel}")
        cmd = [
            "docker",
            "build",
            "--network",
            "host",
            "--build-arg",
            f"BASE_IMAGE={base_image}",
            "--build-arg",
            f"TORCH_WHEEL_URL={url}",
            "--label",
            f"{INPUTS_LABEL}={digest}",
            "--tag",
            tag,
        ]
        if force:
            cmd.append("--no-cache")
        run([*cmd, str(context)])
    log(f"{tag}: built in {time.monotonic() - started:.0f} s")
    if previous and previous != image_id(tag):
        remove_replaced_image(tag, previous)


def remove_replaced_image(tag: str, previous: str) -> None:
    """Remove the image a rebuild untagged, unless a container still uses it."""
    short = previous.removeprefix("sha256:")[:12]
    proc = subprocess.run(["docker", "image", "rm", previous], capture_output=True, text=True)
    if proc.returncode == 0:
        log(f"{tag}: removed the image it replaced ({short})")
    else:
        log(f"{tag}: kept the image it replaced ({short}): still in use or tagged elsewhere")


def build(target: str, base_image: str | None, ca_bundle: Path, force: bool) -> None:
    """Build the images the target names, each after the images it is built FROM."""
    check_docker()
    if base_image is None:
        make_base_image(force=force and target in ("base", "all"))
        base_image = BASE_IMAGE
    elif target == "base":
        log(f"--base-image {base_image} given: no base image to make")
    if target == "base":
        return
    wheel = cpu_torch_wheel()
    if wheel is None:
        log(f"no {TORCH_CPU_WHEEL} in PIP_FIND_LINKS: the single-user image has no torch")
    build_image(
        SINGLEUSER_IMAGE,
        singleuser_context(ca_bundle),
        base_image,
        force=force and target in ("singleuser", "all"),
        wheel=wheel,
    )
    if target == "gpu":
        build_image(GPU_IMAGE, gpu_context(), SINGLEUSER_IMAGE, force=force)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        description="Build the Seoul Data Hub container images (rebuilt only when inputs change).",
    )
    parser.add_argument(
        "target",
        nargs="?",
        default="all",
        choices=("base", "singleuser", "gpu", "all"),
        help="what to build; 'all' is base + singleuser, 'gpu' is built only when named "
        "(default: all)",
    )
    parser.add_argument(
        "--base-image",
        metavar="IMAGE",
        help="build the single-user image FROM this image instead of the local Debian base, "
        "e.g. quay.io/jupyter/base-notebook:python-3.12 in production",
    )
    parser.add_argument(
        "--ca-bundle",
        type=Path,
        default=DEFAULT_CA_BUNDLE,
        metavar="PATH",
        help="CA bundle whose certificates the images must trust, with the organisation's "
        f"proxy CA (default: {DEFAULT_CA_BUNDLE})",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="rebuild the images the target names even if up to date, without layer cache",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Entry point: build, report failures on one line, return the exit status."""
    args = parse_args(argv)
    started = time.monotonic()
    try:
        build(args.target, args.base_image, args.ca_bundle, args.force)
    except BuildError as exc:
        print(f"[images] error: {exc}", file=sys.stderr, flush=True)
        return 1
    except KeyboardInterrupt:
        print("[images] interrupted", file=sys.stderr, flush=True)
        return 130
    log(f"done in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
