"""The site's repository and launch buttons point at the clone's real repository, or are left out."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from bncourse.repository import Repository, book_config, find_repository, from_config, web_address


@pytest.mark.parametrize("remote, address", [
    ("git@github.com:Ada/bn-course.git", "https://github.com/Ada/bn-course"),
    ("ssh://git@github.com/Ada/bn-course.git", "https://github.com/Ada/bn-course"),
    ("https://ada:ghp_secret@github.com/Ada/bn-course.git", "https://github.com/Ada/bn-course"),
    ("https://gitlab.com/uni/ml/bn-course/", "https://gitlab.com/uni/ml/bn-course"),
    ("/work/main", None),
    ("file:///srv/git/bn-course.git", None),
    ("https://github.com/", None),
])
def test_web_address_of_a_remote(remote, address):
    assert web_address(remote) == address


def _clone(tmp: Path, *remotes: tuple[str, str], branch: str = "main") -> Path:
    subprocess.run(["git", "init", "-q", "-b", branch, str(tmp)], check=True)
    for name, url in remotes:
        subprocess.run(["git", "-C", str(tmp), "remote", "add", name, url], check=True)
    return tmp


def test_the_address_comes_from_origin_with_the_current_branch(tmp_path):
    root = _clone(tmp_path, ("upstream", "https://github.com/course/bn"), ("origin", "git@github.com:Ada/bn.git"),
                  branch="spring-2026")
    repo, message = find_repository(root, environ={})
    assert repo == Repository("https://github.com/Ada/bn", "spring-2026", "git remote origin")
    assert "https://github.com/Ada/bn" in message and "launch buttons" in message


def test_the_setting_wins_over_the_remote(tmp_path):
    root = _clone(tmp_path, ("origin", "git@github.com:Ada/bn.git"))
    repo, _ = find_repository(root, environ={"BNBOOK_REPOSITORY": "https://github.com/Uni/bn-2026",
                                             "BNBOOK_BRANCH": "release"})
    assert (repo.url, repo.branch, repo.source) == ("https://github.com/Uni/bn-2026", "release", "BNBOOK_REPOSITORY")


@pytest.mark.parametrize("remotes, words", [
    ((), "no git remote"),
    ((("origin", "/work/main"),), "not a web address"),
    ((("origin", "https://git.uni.example/ml/bn.git"),), "not on github.com or gitlab.com"),
])
def test_without_a_usable_address_there_are_no_buttons_and_the_build_says_why(tmp_path, remotes, words):
    repo, message = find_repository(_clone(tmp_path, *remotes), environ={})
    assert repo is None
    assert words in message and "no repository or launch buttons" in message
    config = book_config(repo)
    assert config["repository"]["url"] == "" and config["launch_buttons"]["binderhub_url"] == ""
    assert not config["html"]["use_repository_button"] and not config["html"]["use_issues_button"]


def test_a_folder_that_is_no_git_clone(tmp_path):
    repo, message = find_repository(tmp_path, environ={})
    assert repo is None and "no git remote" in message


def test_links_to_a_notebook_on_github_and_gitlab():
    nb = "exercises/bn-forward/bn-forward.ipynb"
    gh = Repository("https://github.com/Ada/bn", "main", "test")
    assert gh.file_url(nb) == f"https://github.com/Ada/bn/blob/main/{nb}"
    assert gh.binder_url(nb) == f"https://mybinder.org/v2/gh/Ada/bn/main?labpath={nb}"
    gl = Repository("https://gitlab.com/uni/bn", "main", "test")
    assert gl.file_url(nb) == f"https://gitlab.com/uni/bn/-/blob/main/{nb}"
    assert gl.binder_url(nb) == f"https://mybinder.org/v2/gl/uni%2Fbn/main?labpath={nb}"


def test_from_config():
    assert from_config("https://github.com/Ada/bn", "dev") == Repository("https://github.com/Ada/bn", "dev",
                                                                          "the book's configuration")
    assert from_config("", "main") is None and from_config(None, None) is None
