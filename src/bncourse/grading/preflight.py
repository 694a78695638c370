"""Before grading anyone: does the sandbox work on this machine?

A broken sandbox fails every student's kernel the same way, and a class graded that way is a class
of zeros. :func:`check_sandbox` runs one trivial command (this Python printing a word) with the same
bubblewrap options the student kernels get; if that fails, :class:`SandboxBroken` carries a message
in plain words: what is wrong and what to do, before the gradebook or ``grades.csv`` are touched.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile

from .sandbox import SandboxUnavailable, environment_args, isolation_args

PROBE = "sandbox ok"

WHAT_TO_DO = """\
What to do (any one of these):
  - install bubblewrap:            sudo apt-get install -y bubblewrap   (Fedora: sudo dnf install bubblewrap)
  - allow unprivileged user namespaces, which bubblewrap needs:
      Debian / Ubuntu:             sudo sysctl -w kernel.unprivileged_userns_clone=1
      any Linux:                   sudo sysctl -w user.max_user_namespaces=15000
      Ubuntu 23.10 / 24.04 (AppArmor restricts them):
                                   sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0
      (to keep a setting after a reboot, put it in /etc/sysctl.d/99-userns.conf)
  - in a container (Docker, Podman, a Kubernetes pod such as a JupyterHub server), start it with
    the default seccomp and AppArmor profiles lifted:
      docker run --security-opt seccomp=unconfined --security-opt apparmor=unconfined ...
      Kubernetes: securityContext: {seccompProfile: {type: Unconfined}, appArmorProfile: {type: Unconfined}}
  - grade on another Linux machine where the check passes (a laptop or a VM with bubblewrap).
  - only for a trusted run (e.g. your own test submissions): add --unsandboxed
    (make autograde ... UNSANDBOXED=1); student code then runs as you, next to solutions/ and the gradebook.
No grades were written."""


class SandboxBroken(RuntimeError):
    """The sandbox cannot run a command here; ``str()`` is the message for the instructor."""


def check_sandbox(python: str = sys.executable, timeout: float = 60) -> None:
    """Run a trivial command in the sandbox; raise :class:`SandboxBroken` saying why if it fails."""
    with tempfile.TemporaryDirectory(prefix="bn-preflight-") as workdir:
        try:
            cmd = isolation_args(workdir, python) + ["--remount-ro", "/"] + environment_args(python)
        except SandboxUnavailable as exc:
            raise SandboxBroken(_message(f"{exc}.")) from None
        cmd += ["--", python, "-P", "-c", f"print({PROBE!r})"]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                                  env={**os.environ, "LANG": "C.UTF-8"})
        except subprocess.TimeoutExpired:
            raise SandboxBroken(_message(f"a trial command in the sandbox did not finish in {timeout:g} s.")) from None
        except OSError as exc:
            raise SandboxBroken(_message(f"bubblewrap could not be started: {exc}.")) from None
    if proc.returncode != 0 or proc.stdout.strip() != PROBE:
        said = (proc.stderr.strip() or proc.stdout.strip() or "(no message)").splitlines()[-1]
        raise SandboxBroken(_message(
            f"bubblewrap is installed but cannot create its sandbox here (exit status {proc.returncode}): "
            f"{said}\nThis is usual in a Docker container, a Kubernetes pod (e.g. a JupyterHub server) or "
            "where the kernel forbids unprivileged user namespaces."))


def _message(problem: str) -> str:
    return ("Cannot grade: the sandbox that isolates each student's code does not work on this machine.\n"
            f"Problem: {problem}\n{WHAT_TO_DO}")
