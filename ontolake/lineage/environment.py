"""The environment of a run: Python, platform, installed packages and the git checkout.

Collected once per process (it does not change while a script runs) and fast: package names
and versions come from the names of the ``*.dist-info`` folders that ``importlib.metadata``
discovers on ``sys.path`` (parsing every package's metadata takes ~300 ms; reading the
folder names takes a few), falling back to the metadata for folders whose name does not
carry a version. Git runs as a subprocess with a timeout; no git, no repository or a slow
git leaves the ``git`` entry out and never fails the run. The remote URL is stored without
its user name, password or token (``https://ghp_...@github.com/lab/repo.git`` is kept as
``https://github.com/lab/repo.git``): run records are read by everyone on the instance.
"""

from __future__ import annotations

import functools
import os
import platform
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

__all__ = ["collect_environment", "git_info", "installed_packages"]

GIT_TIMEOUT_SECONDS = 3.0
_NAME_VERSION = re.compile(r"^(?P<name>[^-]+)-(?P<version>[^-]+?)(?:-py[\d.]+)?$")


def _normalise(name: str) -> str:
    """The PEP 503 normalised name of a distribution."""
    return re.sub(r"[-_.]+", "-", name).lower()


def installed_packages() -> dict[str, str]:
    """Installed distributions as ``{normalised name: version}``, sorted by name.

    Example:
        >>> "sqlalchemy" in installed_packages()
        True
    """
    packages: dict[str, str] = {}
    for entry in sys.path:
        try:
            names = [child.name for child in Path(entry or ".").iterdir()]
        except OSError:
            continue
        for name in names:
            stem, dot, kind = name.rpartition(".")
            if not dot or kind not in ("dist-info", "egg-info"):
                continue
            match = _NAME_VERSION.match(stem)
            if match is not None:
                packages.setdefault(_normalise(match["name"]), match["version"])
                continue
            from importlib.metadata import PathDistribution

            distribution = PathDistribution(Path(entry or ".") / name)
            try:
                found, version = distribution.metadata["Name"], distribution.version
            except Exception:  # a broken install must not fail the run
                continue
            if found and version:
                packages.setdefault(_normalise(found), version)
    return dict(sorted(packages.items()))


def _git(folder: Path, *arguments: str) -> str | None:
    try:
        result = subprocess.run(
            ["git", *arguments],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT_SECONDS,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    output = result.stdout.strip()
    return output if result.returncode == 0 and output else None


def git_info(folder: str | os.PathLike[str] | None = None) -> dict[str, str]:
    """Commit, branch and remote URL of the git checkout holding ``folder`` (default: cwd).

    The remote URL is stripped of credentials (user, password, token, secret parameters).
    Returns an empty dict outside a repository or when git is missing or too slow.

    Example:
        >>> git_info("/")  # not in a checkout; in one: its commit, branch and remote
        {}
    """
    where = Path(folder) if folder is not None else Path.cwd()
    if where.is_file():
        where = where.parent
    if not where.is_dir():
        return {}
    head = _git(where, "rev-parse", "HEAD", "--abbrev-ref", "HEAD")
    if head is None:
        return {}
    lines = head.splitlines()
    info = {"commit": lines[0]}
    if len(lines) > 1 and lines[1] != "HEAD":
        info["branch"] = lines[1]
    remote = _git(where, "config", "--get", "remote.origin.url")
    if remote is not None:
        from ontolake._urls import without_credentials

        info["remote"] = without_credentials(remote)
    return info


@functools.lru_cache(maxsize=8)
def collect_environment(script_folder: str | None = None) -> dict[str, Any]:
    """The environment of this process as a JSON-serialisable dict (computed once per folder).

    Example:
        >>> sorted(collect_environment())  # and "git" in a git checkout (see git_info)
        ['executable', 'implementation', 'machine', 'packages', 'platform', 'python']
    """
    environment: dict[str, Any] = {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "executable": sys.executable,
        "platform": f"{platform.system()}-{platform.release()}-{platform.machine()}",
        "machine": platform.machine(),
        "packages": installed_packages(),
    }
    git = git_info(script_folder)
    if git:
        environment["git"] = git
    return environment
