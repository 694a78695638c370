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


def bwrap_command(connection_file: str, workdir: str, python: str = sys.executable) -> list[str]:
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        raise RuntimeError("bubblewrap is not installed (Debian: apt-get install -y bubblewrap)")
    cmd = [bwrap, "--die-with-parent", "--new-session", "--unshare-all", "--tmpfs", "/",
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
    hidden = [os.path.realpath(h) for h in os.environ.get("BNCOURSE_HIDE", "").split(os.pathsep) if h]
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
    # The kernel's sockets (IPC transport: files named after the connection's "ip") and its
    # connection file; the grader gives each kernel a private folder for them. A folder that is "/",
    # "/tmp" or contains the course would open the course to the student: refuse.
    with open(connection_file) as fh:
        info = json.load(fh)
    if info.get("transport") != "ipc":
        raise RuntimeError("the sandboxed kernel needs KernelManager.transport = 'ipc' (it has no network)")
    sockets = os.path.dirname(os.path.abspath(info["ip"]))
    for folder in (sockets, workdir):
        real = os.path.realpath(folder)
        if real in ("/", "/tmp") or any(h == real or h.startswith(real.rstrip("/") + "/") for h in hidden):
            raise RuntimeError(f"refusing to expose {folder} to a student kernel")
    conn = os.path.abspath(connection_file)
    cmd += ["--bind", sockets, sockets, "--ro-bind", conn, conn,
            "--bind", workdir, workdir, "--chdir", workdir, "--remount-ro", "/"]
    env = {
        "HOME": "/tmp", "IPYTHONDIR": "/tmp/.ipython", "MPLCONFIGDIR": "/tmp/.matplotlib",
        "JUPYTER_RUNTIME_DIR": sockets, "LANG": os.environ.get("LANG", "C.UTF-8"),
        "PATH": os.path.dirname(python) + ":/usr/bin:/bin", "PYTHONPATH": os.environ.get("PYTHONPATH", ""),
        "PYTHONSAFEPATH": "1",  # the working folder is not importable: no planted `bncourse` package
        "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
    }
    cmd += ["--clearenv"]
    for key, value in env.items():
        cmd += ["--setenv", key, value]
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
