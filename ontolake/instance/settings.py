"""User settings: where the config lives, which instance was used last, run-tracking switches.

The settings file is a small JSON document in the user's config folder
(``$ONTOLAKE_CONFIG_DIR``, else ``$XDG_CONFIG_HOME/ontolake``, else ``~/.config/ontolake``),
readable only by its owner because it may hold a database password: the only place ontolake
keeps one (an instance's storage names its database without it). Besides the last used
instance's URL it keeps the URLs (with credentials) moved out of instance markers an older
version wrote (:meth:`Settings.keep_password`); a settings file holding a password that others
may read is made private on first read, and the user is told once. The environment
variable ``ONTOLAKE_INSTANCE`` (a storage root or a database URL) overrides the last used
instance for its own process only: while it is set, the saved default is never rewritten.
``ONTOLAKE_QUIET=1`` (or ``settings.quiet = True``) silences the line that names the instance
a process connects to on its own.
"""

from __future__ import annotations

import json
import os
import secrets
import stat
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ontolake._urls import mask_text, mask_url, without_credentials
from ontolake.instance.db_url import is_database_url

if TYPE_CHECKING:
    from ontolake.instance.session import Instance

__all__ = ["INSTANCE_ENV", "QUIET_ENV", "InstanceLocation", "Settings", "settings"]

_SETTINGS_FILE = "settings.json"
_KEPT_URLS = "database_urls"
"""Settings entry: public database URL → the same URL with this user's credentials."""
INSTANCE_ENV = "ONTOLAKE_INSTANCE"
"""The variable naming the instance of one process (a storage root or a database URL)."""
QUIET_ENV = "ONTOLAKE_QUIET"
"""Set to 1 (true, yes, on) to silence the line naming the instance a process connects to."""


@dataclass(frozen=True)
class InstanceLocation:
    """Where an instance lives: its default storage root and, unless embedded, its database URL."""

    storage: str
    db: str | None = None

    def __repr__(self) -> str:
        db = f", db={mask_url(self.db)!r}" if self.db else ""
        return f"InstanceLocation(storage={mask_url(self.storage)!r}{db})"


class Settings:
    """Settings of this user and the connected instance.

    Example:
        >>> import ontolake as ol
        >>> ol.settings.track_run_inputs
        True
        >>> ol.settings.instance  # doctest: +ELLIPSIS
        Instance(storage='.../data', db='sqlite')
    """

    def __init__(self) -> None:
        self.track_run_inputs: bool = True
        self._quiet: bool | None = None

    @property
    def quiet(self) -> bool:
        """Whether to stay silent about the instance a process connects to on its own.

        By default a process that auto-connects (to ``ONTOLAKE_INSTANCE`` or the saved
        default) says once on stderr which instance it uses; ``ONTOLAKE_QUIET=1``, ``curate
        --quiet`` or ``settings.quiet = True`` silence it.

        Example:
            >>> import ontolake as ol
            >>> ol.settings.quiet
            False
            >>> ol.settings.quiet = True
            >>> ol.settings.quiet
            True
        """
        if self._quiet is not None:
            return self._quiet
        return os.environ.get(QUIET_ENV, "").strip().lower() in ("1", "true", "yes", "on")

    @quiet.setter
    def quiet(self, value: bool) -> None:
        self._quiet = bool(value)

    @property
    def instance_overridden(self) -> bool:
        """Whether ``ONTOLAKE_INSTANCE`` names this process's instance (nothing is remembered)."""
        return bool(os.environ.get(INSTANCE_ENV))

    @property
    def settings_file(self) -> Path:
        """The settings file (it names the saved default instance)."""
        return self.config_dir / _SETTINGS_FILE

    @property
    def progress(self) -> bool:
        """Whether steps longer than 2 s report progress on stderr (``ONTOLAKE_QUIET=1``: no).

        Setting it to False turns progress off for this process.
        """
        from ontolake._progress import enabled

        return enabled()

    @progress.setter
    def progress(self, value: bool) -> None:
        from ontolake._progress import set_enabled

        set_enabled(value)

    @property
    def config_dir(self) -> Path:
        """Folder of the settings file."""
        if configured := os.environ.get("ONTOLAKE_CONFIG_DIR"):
            return Path(configured)
        base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
        return Path(base) / "ontolake"

    @property
    def cache_dir(self) -> Path:
        """Folder where remote artifacts are cached (``ONTOLAKE_CACHE_DIR`` overrides)."""
        from ontolake.storage.cache import cache_dir

        return cache_dir()

    @property
    def instance(self) -> Instance:
        """The connected instance, connecting to the last used one on first access."""
        from ontolake.instance.session import current_instance

        return current_instance()

    def last_instance(self) -> InstanceLocation | None:
        """The instance to auto-connect to: ``ONTOLAKE_INSTANCE`` if set, else the last used one."""
        if target := os.environ.get(INSTANCE_ENV):
            if is_database_url(target):
                return InstanceLocation(storage="", db=target)
            return InstanceLocation(storage=target)
        last = self._read().get("last_instance")
        if not isinstance(last, dict) or not last.get("storage"):
            return None
        return InstanceLocation(storage=str(last["storage"]), db=last.get("db"))

    def remember(self, location: InstanceLocation) -> None:
        """Record ``location`` as the last used instance (the file is private to the user)."""
        data = self._read()
        data["last_instance"] = {"storage": location.storage, "db": location.db}
        self._write(data)

    def keep_password(self, db_url: str) -> None:
        """Keep ``db_url`` (with credentials) for :meth:`password_for`, in this private file.

        The saved default instance stays as it is (this is no connection to remember).

        Example:
            >>> ol.settings.keep_password("postgresql://me:secret@db-host/lake")
            >>> ol.settings.password_for("postgresql://me@db-host/lake")
            'postgresql://me:secret@db-host/lake'
        """
        data = self._read()
        kept = data.get(_KEPT_URLS)
        kept = kept if isinstance(kept, dict) else {}
        kept[without_credentials(db_url, keep_user=True)] = db_url
        data[_KEPT_URLS] = kept
        self._write(data)

    def _write(self, data: dict[str, Any]) -> None:
        """Replace the settings file with ``data``, atomically, readable by the user only."""
        path = self.settings_file
        path.parent.mkdir(parents=True, exist_ok=True)
        # one temporary name per process: processes connecting at once must not share it
        temporary = path.with_suffix(f".{os.getpid()}.{secrets.token_hex(4)}.tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2)
        temporary.replace(path)

    def password_for(self, public_url: str) -> str | None:
        """The last used database URL if it is ``public_url`` plus credentials, else None.

        An instance's storage names its database without a password (``public_url``); the
        password comes from this user's own last connection to it (else libpq finds it in
        ``PGPASSWORD`` or ``~/.pgpass``).
        """
        from ontolake.errors import ConfigurationError
        from ontolake.instance.db_url import normalize_db_url

        data = self._read()
        last = data.get("last_instance")
        kept = data.get(_KEPT_URLS)
        candidates = [last.get("db")] if isinstance(last, dict) else []
        candidates += list(kept.values()) if isinstance(kept, dict) else []
        try:
            named = without_credentials(normalize_db_url(public_url), keep_user=True)
        except ConfigurationError:
            return None
        for candidate in candidates:
            if not isinstance(candidate, str):
                continue
            try:
                used = normalize_db_url(candidate)
            except ConfigurationError:
                continue
            if without_credentials(used, keep_user=True) == named:
                return used
        return None

    def _read(self) -> dict[str, Any]:
        path = self.settings_file
        try:
            text = path.read_text(encoding="utf-8")
            data = json.loads(text)
        except (FileNotFoundError, json.JSONDecodeError):
            return {}
        _make_private_if_secret(path, text)
        return data if isinstance(data, dict) else {}

    def __repr__(self) -> str:
        last = self.last_instance()
        return (
            f"Settings(config_dir={str(self.config_dir)!r}, last_instance={last!r}, "
            f"track_run_inputs={self.track_run_inputs})"
        )


def _make_private_if_secret(path: Path, text: str) -> None:
    """Make a settings file that holds a password and that others may read private (once)."""
    mode = path.stat().st_mode
    if not mode & 0o077 or mask_text(text) == text:
        return
    path.chmod(stat.S_IMODE(mode) & 0o700)
    print(
        f"ontolake: {path} holds a database password and others could read it: it is now "
        "readable by you only",
        file=sys.stderr,
        flush=True,
    )


settings = Settings()
