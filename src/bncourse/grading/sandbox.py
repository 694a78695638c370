"""Start a Jupyter kernel inside a bubblewrap sandbox: ``python -m bncourse.grading.sandbox <connection_file>``.

The autograde workers register this as the ``python3`` kernel (a private kernelspec on
``JUPYTER_PATH``) and talk to it over IPC sockets (``KernelManager.transport = "ipc"``), so the kernel
needs no network at all. Inside, the kernel sees:

- read-only: ``/usr``, ``/bin``, ``/lib*``, ``/etc``, the Python installation and the directories of
  ``sys.path`` (the venv and the packages, e.g. ``src/``);
- read-write: only its working folder (the student's copy of the submission, the current directory
  when the kernel starts) and the folder of the kernel's sockets; a private ``/tmp``;
- nothing else: no ``solutions/``, no gradebook, no other student, no network (``--unshare-net``),
  its own process tree (``--unshare-pid``), killed with its parent and after ``BNCOURSE_KERNEL_LIMIT``
  seconds (default 900) of wall time.
"""
from __future__ import annotations

import json
import os
import shutil
import sys

SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/etc")


class SandboxUnavailable(RuntimeError):
    """bubblewrap is not installed: the grader cannot isolate a student kernel here."""


def find_bwrap() -> str:
    """The ``bwrap`` executable on PATH; :class:`SandboxUnavailable` when there is none."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        raise SandboxUnavailable("bubblewrap (`bwrap`) is not installed or not on PATH")
    return bwrap


def _hidden() -> list[str]:
    return [os.path.realpath(h) for h in os.environ.get("BNCOURSE_HIDE", "").split(os.pathsep) if h]


def isolation_args(workdir: str, python: str = sys.executable) -> list[str]:
    """bubblewrap's options up to the command: the system and Python read-only, ``workdir`` writable.

    The same options serve the student kernels and :mod:`.preflight`'s trial run, so a trial that
    passes means a kernel can start."""
    cmd = [find_bwrap(), "--die-with-parent", "--new-session", "--unshare-all", "--tmpfs", "/",
           "--dev", "/dev", "--proc", "/proc"]
    for path in SYSTEM_DIRS:
        if os.path.islink(path):
            cmd += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            cmd += ["--ro-bind", path, path]
    cmd += ["--tmpfs", "/tmp"]
    seen = set()
    ro = [sys.prefix, sys.base_prefix, os.path.dirname(os.path.realpath(python))]
    ro += [p for p in sys.path if p and os.path.isabs(p) and os.path.isdir(p)]
    # Never the course itself (solutions/, the gradebook): a sys.path entry that is the course root or
    # one of its parents (e.g. '' when the grader runs from the root) is left out.
    hidden = _hidden()
    for path in ro:
        real = os.path.realpath(path)
        if real in seen or real == os.path.realpath(workdir) or real == "/":
            continue
        if any(h == real or h.startswith(real.rstrip("/") + "/") for h in hidden):
            continue
        seen.add(real)
        cmd += ["--ro-bind", real, real]
        if path != real and not path.startswith("/tmp"):
            cmd += ["--ro-bind", real, os.path.abspath(path)]
    _refuse_exposing(workdir, hidden)
    cmd += ["--bind", workdir, workdir, "--chdir", workdir]
    return cmd


def _refuse_exposing(folder: str, hidden: list[str]) -> None:
    # A folder that is "/", "/tmp" or contains the course would open the course to the student.
    real = os.path.realpath(folder)
    if real in ("/", "/tmp") or any(h == real or h.startswith(real.rstrip("/") + "/") for h in hidden):
        raise RuntimeError(f"refusing to expose {folder} to a student kernel")


def environment_args(python: str = sys.executable, runtime: str = "/tmp") -> list[str]:
    """A cleared environment with only what a kernel needs (``--clearenv`` then ``--setenv``)."""
    env = {
        "HOME": "/tmp", "IPYTHONDIR": "/tmp/.ipython", "MPLCONFIGDIR": "/tmp/.matplotlib",
        "JUPYTER_RUNTIME_DIR": runtime, "LANG": os.environ.get("LANG", "C.UTF-8"),
        "PATH": os.path.dirname(python) + ":/usr/bin:/bin", "PYTHONPATH": os.environ.get("PYTHONPATH", ""),
        "PYTHONSAFEPATH": "1",  # the working folder is not importable: no planted `bncourse` package
        "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
    }
    cmd = ["--clearenv"]
    for key, value in env.items():
        cmd += ["--setenv", key, value]
    return cmd


def bwrap_command(connection_file: str, workdir: str, python: str = sys.executable) -> list[str]:
    """The whole command line that starts a student's kernel in the sandbox."""
    cmd = isolation_args(workdir, python)
    # The kernel's sockets (IPC transport: files named after the connection's "ip") and its
    # connection file; the grader gives each kernel a private folder for them.
    with open(connection_file) as fh:
        info = json.load(fh)
    if info.get("transport") != "ipc":
        raise RuntimeError("the sandboxed kernel needs KernelManager.transport = 'ipc' (it has no network)")
    sockets = os.path.dirname(os.path.abspath(info["ip"]))
    _refuse_exposing(sockets, _hidden())
    conn = os.path.abspath(connection_file)
    cmd += ["--bind", sockets, sockets, "--ro-bind", conn, conn, "--remount-ro", "/"]
    cmd += environment_args(python, runtime=sockets)
    limit = os.environ.get("BNCOURSE_KERNEL_LIMIT", "900")
    return ["timeout", "-s", "KILL", limit] + cmd + [
        "--", python, "-P", "-m", "ipykernel_launcher", "-f", connection_file,
        "--HistoryManager.hist_file=:memory:"]


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    cmd = bwrap_command(args[0], os.getcwd())
    os.execvp(cmd[0], cmd)


if __name__ == "__main__":
    main()
