"""Build hccrt's wheel, install it in a fresh venv from local wheels only, and run it.

Usage: ``python scripts/wheel_check.py WORK_DIR [PATIENT_JSON] [--web]`` (with the project's
venv: ``.venv/bin/python scripts/wheel_check.py /tmp/wheel-check``). Steps, all offline:

1. a build environment with the setuptools pinned in ``constraints.txt`` (the running Python's
   own when it is recent enough, else a venv that gets it from pip's cache or index once);
2. ``pip wheel --no-deps --no-build-isolation`` of a copy of the sources (the checkout is not
   written to);
3. a wheelhouse of the runtime dependencies, repacked from the distributions installed in the
   running environment (the pinned versions: nothing is downloaded);
4. a fresh venv where ``pip install --no-index --find-links WHEELHOUSE hccrt.whl`` installs the
   base package (no ``[web]`` extra);
5. in that venv: ``hccrt assess PATIENT_JSON --format json``, the packaged schemas and
   protocols (``hccrt schema patient``), and ``hccrt serve``, ``db`` and ``cohort`` naming the
   ``[web]`` extra (exit 2);
6. with ``--web``: ``hccrt[web]`` installed the same way, and ``hccrt serve`` answers
   ``/healthz`` on a free loopback port.

Exit 0 when every check passes; otherwise the failing step is printed and the exit code is 1.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import importlib.metadata as metadata
import io
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import venv
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PATIENT = ROOT / "examples" / "patients" / "single_hcc_child_a.json"
MIN_SETUPTOOLS = (77,)


class CheckFailed(RuntimeError):
    """One step of the check failed; the message says which and shows its output."""


def _run(args: list[str | Path], *, cwd: Path | None = None, expect: int = 0) -> str:
    # The checkout's sources must not leak in: no PYTHONPATH for the installed package.
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != expect:
        raise CheckFailed(
            f"{' '.join(map(str, args))}: exit {done.returncode} (expected {expect})\n"
            f"{done.stdout[-3000:]}{done.stderr[-3000:]}"
        )
    return done.stdout + done.stderr


def _key(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pinned_setuptools() -> str:
    """The setuptools version pinned in ``constraints.txt``."""
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        name, _, version = line.partition("==")
        if _key(name) == "setuptools":
            return version.strip()
    raise CheckFailed("constraints.txt pins no setuptools")


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3])


def build_python(work: Path) -> Path:
    """A Python whose setuptools can build hccrt without build isolation."""
    try:
        if _version_tuple(metadata.version("setuptools")) >= MIN_SETUPTOOLS:
            return Path(sys.executable)
    except metadata.PackageNotFoundError:
        pass
    env = work / "build-env"
    venv.create(env, with_pip=True, clear=True)
    python = env / "bin" / "python"
    _run([python, "-m", "pip", "install", "--quiet", f"setuptools=={pinned_setuptools()}"])
    return python


def build_wheel(python: Path, work: Path) -> Path:
    """``pip wheel --no-deps --no-build-isolation`` of a copy of the sources; the wheel's path."""
    source = work / "source"
    shutil.rmtree(source, ignore_errors=True)
    source.mkdir(parents=True)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    shutil.copytree(ROOT / "src", source / "src", ignore=ignore)
    dist = work / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    pip_wheel = [python, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation"]
    _run([*pip_wheel, "-w", dist, source])
    (wheel,) = dist.glob("hccrt-*.whl")
    return wheel


def _marker_holds(requirement: Any, extras: frozenset[str]) -> bool:
    if requirement.marker is None:
        return True
    return any(requirement.marker.evaluate({"extra": extra}) for extra in {"", *extras})


def runtime_closure(wheel: Path, extras: frozenset[str] = frozenset()) -> list[Any]:
    """The installed distributions that ``hccrt[EXTRAS]`` needs (transitively, with extras)."""
    from packaging.requirements import Requirement

    with zipfile.ZipFile(wheel) as archive:
        (meta_name,) = (n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        meta = archive.read(meta_name).decode("utf-8")
    todo = [
        (line.split(":", 1)[1].strip(), extras)
        for line in meta.splitlines()
        if line.startswith("Requires-Dist:")
    ]
    found: dict[str, Any] = {}
    expanded: set[tuple[str, frozenset[str]]] = set()
    while todo:
        text, parent_extras = todo.pop()
        requirement = Requirement(text)
        if not _marker_holds(requirement, parent_extras):
            continue
        key = _key(requirement.name)
        wanted = frozenset(requirement.extras)
        if (key, wanted) in expanded:
            continue
        expanded.add((key, wanted))
        try:
            found[key] = metadata.distribution(requirement.name)
        except metadata.PackageNotFoundError as error:
            raise CheckFailed(
                f"{requirement.name} is not installed here: cannot repack it"
            ) from error
        todo += [(r, wanted) for r in found[key].requires or []]
    return list(found.values())


def repack(dist: metadata.Distribution, wheelhouse: Path) -> Path:
    """Zip an installed distribution back into a wheel (its files as RECORD lists them)."""
    info = next(
        f for f in dist.files or [] if f.name == "WHEEL" and f.parent.name.endswith(".dist-info")
    )
    dist_info = info.parent.as_posix()
    wheel_meta = Path(str(dist.locate_file(info))).read_text(encoding="utf-8")
    tags = [
        line.split(":", 1)[1].strip() for line in wheel_meta.splitlines() if line.startswith("Tag:")
    ]
    python_tags = ".".join(sorted({t.split("-")[0] for t in tags}))
    abi_tags = ".".join(sorted({t.split("-")[1] for t in tags}))
    platform_tags = ".".join(sorted({t.split("-")[2] for t in tags}))
    name = re.sub(r"[-.]+", "_", dist.metadata["Name"])
    target = wheelhouse / f"{name}-{dist.version}-{python_tags}-{abi_tags}-{platform_tags}.whl"
    record_rows: list[list[str]] = []
    record_name = f"{dist_info}/RECORD"
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_STORED) as archive:
        for file in dist.files or []:
            relative = file.as_posix()
            # Scripts (../../bin) are made again by pip; byte code and the RECORD are not packed.
            if relative.startswith("..") or "__pycache__" in relative or relative == record_name:
                continue
            if relative.endswith(
                (".dist-info/INSTALLER", ".dist-info/REQUESTED", "direct_url.json")
            ):
                continue
            data = Path(str(dist.locate_file(file))).read_bytes()
            archive.writestr(relative, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            record_rows.append([relative, f"sha256={digest}", str(len(data))])
        record_rows.append([record_name, "", ""])
        text = io.StringIO()
        csv.writer(text, lineterminator="\n").writerows(record_rows)
        archive.writestr(record_name, text.getvalue())
    return target


def install(wheel: Path, wheelhouse: Path, work: Path) -> Path:
    """A fresh venv with the wheel installed from the wheelhouse only; its ``bin`` folder."""
    env = work / "venv"
    venv.create(env, with_pip=True, clear=True)
    pip_install = [env / "bin" / "python", "-m", "pip", "install", "--quiet", "--no-index"]
    _run([*pip_install, "--find-links", wheelhouse, wheel])
    return env / "bin"


def check_installed(bin_dir: Path, patient: Path, work: Path) -> list[str]:
    """Run the installed hccrt away from the checkout; one line per check passed."""
    passed = []
    out = _run([bin_dir / "hccrt", "assess", patient, "--format", "json"], cwd=work)
    assessment = json.loads(out[out.index("{") :])
    if not assessment:
        raise CheckFailed("hccrt assess printed an empty assessment")
    passed.append(f"hccrt assess {patient.name}: exit 0, JSON with {len(assessment)} keys")
    probe = (
        "import hccrt, hccrt.schemas as s, hccrt.core._limits as lim, json;"
        "assert 'site-packages' in hccrt.__file__, hccrt.__file__;"
        "[json.loads(s.schema_text(n)) for n in s.SCHEMAS];"
        "print(lim.protocol_limit('liver_mean_general').limit)"
    )
    limit = _run([bin_dir / "python", "-c", probe], cwd=work).strip()
    passed.append(f"packaged schemas read; protocol liver mean limit {limit} Gy")
    printed = json.loads(_run([bin_dir / "hccrt", "schema", "patient"], cwd=work))
    passed.append(f"hccrt schema patient: {len(printed['properties'])} fields")
    refused = _run([bin_dir / "hccrt", "serve"], cwd=work, expect=2)
    if "hccrt[web]" not in refused or "internal error" in refused:
        raise CheckFailed(f"hccrt serve without the web extra said: {refused}")
    passed.append(f"hccrt serve without [web]: exit 2, {refused.strip().splitlines()[-1]}")
    cases = work / "no-cases"
    cases.mkdir(exist_ok=True)
    for command in (["db", "upgrade"], ["cohort", "evaluate", str(cases), "--out", "c.parquet"]):
        said = _run([bin_dir / "hccrt", *command], cwd=work, expect=2)
        if "pip install 'hccrt[web]'" not in said or "internal error" in said:
            raise CheckFailed(f"hccrt {command[0]} without the web extra said: {said}")
        passed.append(f"hccrt {command[0]} without [web]: exit 2, names the extra")
    return passed


def check_web(wheel: Path, wheelhouse: Path, bin_dir: Path, work: Path) -> str:
    """Install ``hccrt[web]`` from the wheelhouse and start ``hccrt serve``; what it answered."""
    for dist in runtime_closure(wheel, frozenset({"web"})):
        repack(dist, wheelhouse)
    pip_install = [bin_dir / "python", "-m", "pip", "install", "--quiet", "--no-index"]
    _run([*pip_install, "--find-links", wheelhouse, f"{wheel}[web]"])
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    command = [
        str(bin_dir / "hccrt"),
        "serve",
        "--port",
        str(port),
        "--data-dir",
        str(work / "web"),
    ]
    server = subprocess.Popen(
        command, cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if server.poll() is not None:
                said = server.stdout.read() if server.stdout is not None else ""
                raise CheckFailed(f"hccrt serve exited {server.returncode}: {said}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as reply:
                    return f"hccrt[web]: hccrt serve answered /healthz with {reply.status}"
            except OSError:
                time.sleep(0.5)
        raise CheckFailed("hccrt serve did not answer /healthz within 120 s")
    finally:
        server.terminate()
        server.wait(timeout=30)


def main(argv: list[str] | None = None) -> int:
    """Run every step in ``argv[0]`` (a work folder); print what passed."""
    args = sys.argv[1:] if argv is None else argv
    if not args:
        sys.stderr.write(__doc__ or "")
        return 2
    web = "--web" in args
    args = [a for a in args if a != "--web"]
    work = Path(args[0]).resolve()
    patient = Path(args[1]).resolve() if len(args) > 1 else DEFAULT_PATIENT
    work.mkdir(parents=True, exist_ok=True)
    try:
        wheel = build_wheel(build_python(work), work)
        print(f"built {wheel.name}", flush=True)
        wheelhouse = work / "wheelhouse"
        shutil.rmtree(wheelhouse, ignore_errors=True)
        wheelhouse.mkdir()
        closure = runtime_closure(wheel)
        for dist in closure:
            repack(dist, wheelhouse)
        print(f"wheelhouse: {len(closure)} installed distributions repacked", flush=True)
        bin_dir = install(wheel, wheelhouse, work)
        for line in check_installed(bin_dir, patient, work):
            print(line, flush=True)
        if web:
            print(check_web(wheel, wheelhouse, bin_dir, work), flush=True)
    except CheckFailed as failure:
        sys.stderr.write(f"wheel check failed: {failure}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
