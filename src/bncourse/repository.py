"""Where the course's repository lives on the web, for the site's repository and launch buttons.

The address comes from one setting or from the clone itself, at build time:

1. ``BNBOOK_REPOSITORY`` (e.g. ``https://github.com/your-name/batchnorm-course``), with
   ``BNBOOK_BRANCH`` for the branch (default: the clone's current branch, else ``main``);
2. else the clone's git remote (``origin``, or the only remote), made into its web address
   (``git@github.com:owner/name.git`` -> ``https://github.com/owner/name``, credentials dropped).

With neither, or with an address Binder cannot launch (only GitHub and GitLab are supported), the
site has no repository, issue or launch buttons and the exercise links name the notebook's path;
:func:`find_repository` says why, and the build prints it.
"""
from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

BINDERHUB = "https://mybinder.org"
HOSTS = {"github.com": "gh", "gitlab.com": "gl"}  # the BinderHub providers of each supported host
_SCP = re.compile(r"^(?:[\w.-]+@)?(?P<host>[\w.-]+):(?P<path>[^/].*)$")  # git@github.com:owner/name.git


@dataclass(frozen=True)
class Repository:
    """A repository on GitHub or GitLab: ``https://<host>/<owner>/<name>`` and a branch."""

    url: str
    branch: str
    source: str  # where the address came from, for the build's message

    @property
    def host(self) -> str:
        return urlsplit(self.url).netloc

    @property
    def slug(self) -> str:
        return urlsplit(self.url).path.strip("/")

    def file_url(self, path: str) -> str:
        """The web page of ``path`` (relative to the repository root) on the branch."""
        blob = "blob" if self.host == "github.com" else "-/blob"
        return f"{self.url}/{blob}/{self.branch}/{path}"

    def binder_url(self, path: str) -> str:
        """A Binder launch that opens ``path`` in JupyterLab."""
        slug = self.slug if HOSTS[self.host] == "gh" else quote(self.slug, safe="")
        return f"{BINDERHUB}/v2/{HOSTS[self.host]}/{slug}/{self.branch}?labpath={path}"


def from_config(url: str | None, branch: str | None) -> Repository | None:
    """The repository a built configuration names (``html_theme_options.repository_url``), if any."""
    address = web_address(url) if url else None
    if address is None or urlsplit(address).netloc not in HOSTS:
        return None
    return Repository(address, branch or "main", "the book's configuration")


def web_address(remote: str) -> str | None:
    """The ``https://host/owner/name`` of a git remote, or None if it is no web repository."""
    remote = remote.strip()
    m = _SCP.match(remote)
    if m and "://" not in remote:
        host, path = m["host"], m["path"]
    else:
        parts = urlsplit(remote)
        if parts.scheme not in ("https", "http", "ssh", "git") or not parts.hostname:
            return None  # a local path or file:// remote
        host, path = parts.hostname, parts.path  # .hostname drops user:token@ and the port
    path = path.strip("/")
    path = path[:-4] if path.endswith(".git") else path
    if path.count("/") < 1:
        return None
    return f"https://{host.lower()}/{path}"


def _git(root: Path, *args: str) -> str | None:
    try:
        proc = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return proc.stdout.strip() if proc.returncode == 0 and proc.stdout.strip() else None


def _branch(root: Path, environ) -> str:
    branch = environ.get("BNBOOK_BRANCH") or _git(root, "symbolic-ref", "--short", "HEAD")
    return branch or "main"  # a detached HEAD (CI checkouts) has no branch: main


def find_repository(root: Path, environ=None) -> tuple[Repository | None, str]:
    """``(repository or None, a line for the build output saying what was found or why not)``."""
    environ = os.environ if environ is None else environ
    setting = environ.get("BNBOOK_REPOSITORY", "").strip()
    if setting:
        remote, source = setting, "BNBOOK_REPOSITORY"
    else:
        remotes = (_git(root, "remote") or "").split()
        name = "origin" if "origin" in remotes else (remotes[0] if len(remotes) == 1 else None)
        if name is None:
            why = ("no git remote" if not remotes else f"several git remotes and none is 'origin' ({', '.join(remotes)})")
            return None, (f"no repository address ({why}, BNBOOK_REPOSITORY unset): the site has no repository "
                          "or launch buttons (README: For instructors, publishing your fork)")
        remote, source = _git(root, "remote", "get-url", name) or "", f"git remote {name}"
    url = web_address(remote)
    if url is None or urlsplit(url).netloc not in HOSTS:
        shown = url or "not a web address"
        return None, (f"the repository address from {source} ({shown}) is not on {' or '.join(HOSTS)}, where "
                      "Binder can launch it: the site has no repository or launch buttons")
    repo = Repository(url, _branch(root, environ), source)
    return repo, f"repository {repo.url} (branch {repo.branch}, from {source}): repository and launch buttons on every page"


def book_config(repo: Repository | None) -> dict:
    """The ``_config.yml`` values that follow from ``repo`` (merged over the root ``_config.yml``)."""
    if repo is None:
        return {"repository": {"url": ""},
                "html": {"use_repository_button": False, "use_issues_button": False},
                "launch_buttons": {"binderhub_url": "", "jupyterhub_url": ""}}
    return {"repository": {"url": repo.url, "branch": repo.branch},
            "html": {"use_repository_button": True, "use_issues_button": True}}
