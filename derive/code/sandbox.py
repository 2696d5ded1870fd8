"""Running a lecture's code in a child process that cannot reach anything but a temporary folder.

Layers, each used where the platform offers it, the missing ones stated in the run's notes:

- resource limits, always (set by the child on itself before any lecture code runs): CPU seconds,
  address space, file size, open files, processes, no core files;
- bubblewrap (`bwrap`), when installed and working: new user, network, PID, IPC and UTS
  namespaces (no network at all), a read-only view of only the Python installation and NumPy, an
  empty `/tmp` as the only writable place, the child killed with its parent;
- seccomp (libseccomp, through ctypes in the child): sockets, exec, fork/clone, kill, ptrace,
  mount fail with EPERM;
- a wall-clock limit, enforced here: the child's process group is killed.

The child is started with `python -I -S` (no site-packages, no environment, no user site) and an
empty environment; it can import the standard library and NumPy only.  Results come back as JSON
in a file of the temporary folder, never pickle.
"""
from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy

CHILD = Path(__file__).with_name("child.py")


@dataclass(frozen=True)
class Limits:
    cpu_seconds: int = 10
    wall_seconds: float = 20.0
    memory_bytes: int = 1 << 30          # address space (NumPy and Python need ~400 MB of it)
    file_bytes: int = 64 << 20
    open_files: int = 64
    records: int = 4000
    seeded_points: int = 2                # further runs with the code's random draws moved to seeds 1, 2
    elements: int = 2_000_000

    def rlimits(self) -> dict:
        return {"RLIMIT_CPU": self.cpu_seconds, "RLIMIT_AS": self.memory_bytes,
                "RLIMIT_FSIZE": self.file_bytes, "RLIMIT_NOFILE": self.open_files,
                "RLIMIT_NPROC": 0, "RLIMIT_CORE": 0}


@dataclass
class Outcome:
    """What the child reported: its records, the lecture's own errors, and how the run ended."""

    records: list = field(default_factory=list)
    errors: list = field(default_factory=list)     # {"block", "line", "error"}
    notices: list = field(default_factory=list)    # protections missing, said once
    stopped: str = ""                              # why the child did not finish, if it did not
    seconds: float = 0.0


def _interpreter() -> str:
    return os.path.realpath(sys.executable)


@lru_cache(maxsize=1)
def bubblewrap() -> str | None:
    """The bwrap program when it can make the namespaces here (a container may forbid them)."""
    path = shutil.which("bwrap")
    if path is None:
        return None
    try:
        done = subprocess.run([path, *_bwrap_args(Path("/nonexistent")), "--", _interpreter(), "-I", "-S", "-c", "0"],
                              capture_output=True, timeout=20, env={})
    except (OSError, subprocess.SubprocessError):
        return None
    return path if done.returncode == 0 else None


def _bwrap_args(folder: Path) -> list[str]:
    base = sys.base_prefix
    numpy_dir = os.path.dirname(os.path.dirname(numpy.__file__))
    args = ["--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
            "--ro-bind", "/usr", "/usr", "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
            "--symlink", "usr/bin", "/bin", "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
    if not base.startswith("/usr/"):
        args += ["--ro-bind", base, base]
    args += ["--ro-bind", os.path.join(numpy_dir, "numpy"), "/opt/derive-numpy/numpy"]
    libs = os.path.join(numpy_dir, "numpy.libs")
    if os.path.isdir(libs):
        args += ["--ro-bind", libs, "/opt/derive-numpy/numpy.libs"]
    args += ["--ro-bind", str(CHILD), "/opt/derive-child.py"]
    if folder.exists():
        args += ["--bind", str(folder), "/tmp/work"]
    return args + ["--chdir", "/tmp/work" if folder.exists() else "/tmp"]


def run_blocks(blocks: list[str], limits: Limits = Limits(), seed: int | None = None) -> Outcome:
    """Run `blocks` (Python source, in order, one namespace) in the sandbox; never raises for what
    the code does.  With `seed`, the code's random draws are moved to that seed (a seeded point)."""
    start = time.monotonic()
    notices = []
    with tempfile.TemporaryDirectory(prefix="derive-code-") as tmp:
        folder = Path(tmp)
        os.chmod(folder, 0o700)
        job = {"blocks": blocks, "limits": limits.rlimits(), "records": limits.records, "elements": limits.elements,
               "seed": seed}
        (folder / "job.json").write_text(json.dumps(job), encoding="utf-8")
        env = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "LC_ALL": "C"}
        wrap = bubblewrap()
        if wrap:
            env["DERIVE_NUMPY"] = "/opt/derive-numpy"        # read by the child itself
            command = [wrap, *_bwrap_args(folder), "--clearenv"]
            for key, value in env.items():
                command += ["--setenv", key, value]
            command += ["--", _interpreter(), "-I", "-S", "/opt/derive-child.py", "/tmp/work/job.json",
                        "/tmp/work/out.json"]
        else:
            notices.append("bubblewrap is not available: the code runs without namespaces (network and "
                           "files are limited only by seccomp and the resource limits)")
            env["DERIVE_NUMPY"] = os.path.dirname(os.path.dirname(numpy.__file__))
            command = [_interpreter(), "-I", "-S", str(CHILD), str(folder / "job.json"), str(folder / "out.json")]
        try:
            child = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, env=env, cwd=tmp, start_new_session=True,
                                     preexec_fn=_limit_wrapper(limits))
        except OSError as e:
            return Outcome(notices=notices, stopped=f"the sandbox could not start: {e}")
        stopped = ""
        try:
            _, err = child.communicate(timeout=limits.wall_seconds)
        except subprocess.TimeoutExpired:
            _kill(child)
            _, err = child.communicate()
            stopped = f"stopped after {limits.wall_seconds:g} s of wall time"
        except BaseException:                   # the run's budget, Ctrl-C: the child goes with it
            _kill(child)
            child.wait()
            raise
        if not stopped and child.returncode != 0:
            stopped = _ended(child.returncode, limits, err)
        out = folder / "out.json"
        data = {}
        if out.exists() and not stopped:
            try:
                data = json.loads(out.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                stopped = "the code's results could not be read"
    return Outcome(records=data.get("records", []), errors=data.get("errors", []),
                   notices=notices + data.get("notices", []), stopped=stopped, seconds=time.monotonic() - start)


def _limit_wrapper(limits: Limits):
    """Bounds on the wrapper itself (bwrap and the interpreter it starts), before the child sets its own."""
    def apply():
        resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds + 1, limits.cpu_seconds + 1))
        resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_bytes, limits.file_bytes))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    return apply


def _kill(child) -> None:
    try:
        os.killpg(child.pid, signal.SIGKILL)
    except OSError:
        child.kill()


def _ended(code: int, limits: Limits, err: bytes) -> str:
    if code in (-signal.SIGXCPU, -signal.SIGKILL, 128 + signal.SIGXCPU, 128 + signal.SIGKILL):
        return f"stopped after {limits.cpu_seconds} s of CPU time"
    tail = err.decode("utf-8", "replace").strip().splitlines()[-1:] or [f"exit status {code}"]
    if "MemoryError" in tail[0]:
        return f"stopped: more than {limits.memory_bytes >> 20} MB of memory"
    return f"the code's process ended early ({tail[0][:200]})"
