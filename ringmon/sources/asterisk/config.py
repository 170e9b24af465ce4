"""``--source asterisk:...``: where the PBX is, and its credentials (never from argv).

Spec: ``asterisk`` alone, or ``asterisk:`` and comma-separated options, all optional::

    ari=http://127.0.0.1:8088   ARI base URL (http.conf)             default shown
    ari=off                     AMI alone: calls from AMI's channel events (no ARI)
    ami=127.0.0.1:5038          AMI HOST:PORT (manager.conf)         default shown
    app=ringmon                 ARI application name                 default shown
    unknown=show                endpoints the directory lacks: show or hide
    ignore=trunk-*|provider*    endpoint name globs never shown (unless the directory has them)
    dnd=on                      map DND (Custom:DND<ext>, presence dnd): on or off
    credentials=FILE            TOML file with the credentials (below)
    recordings=/                where the PBX's files are seen from the hub: serves MixMonitor's
    tap=FILE                    append every raw frame received to FILE (JSONL; diagnostics)

Credentials come from the file named by ``credentials=`` (or ``RINGMON_ASTERISK_CREDENTIALS``)::

    [ari]
    user = "ringmon"
    password = "..."

    [ami]
    user = "ringmon"
    secret = "..."

and from the environment, which wins over the file: ``RINGMON_ARI_USER``,
``RINGMON_ARI_PASSWORD``, ``RINGMON_AMI_USER``, ``RINGMON_AMI_SECRET``. A spec that holds a
password, a secret or a user:password@ URL is refused: argv is readable by every user.
"""

from __future__ import annotations

import os
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from ringmon.sources.address import host_port


class AsteriskConfigError(ValueError):
    """A spec or credentials that cannot work; the message is for the person who gave it."""


DEFAULT_ARI = "http://127.0.0.1:8088"
DEFAULT_AMI = "127.0.0.1:5038"


@dataclass(frozen=True, slots=True)
class AsteriskConfig:
    ari_url: str = DEFAULT_ARI
    ari: bool = True
    """False (``ari=off``): AMI alone; calls come from AMI's channel events."""
    ami_host: str = "127.0.0.1"
    ami_port: int = 5038
    ari_user: str = "ringmon"
    ari_password: str = ""
    ami_user: str = "ringmon"
    ami_secret: str = ""
    app: str = "ringmon"
    unknown_endpoints: bool = True
    ignore: tuple[str, ...] = ()
    """Endpoint name globs left out unless the directory lists them (trunks)."""
    dnd: bool = True
    recordings_root: Path | None = None
    """Where Asterisk's file system is seen from the hub (``/`` on the same machine); the
    recordings MixMonitor wrote are served from there. None: recordings are not served."""
    tap: Path | None = None
    """A JSONL file that gets every raw frame and snapshot received (for bug reports and
    test fixtures). None: off."""
    warning: str | None = None

    @property
    def name(self) -> str:
        if not self.ari:
            return f"asterisk:ami@{self.ami_host}:{self.ami_port}"
        return f"asterisk:{urlsplit(self.ari_url).netloc}"

    def __repr__(self) -> str:  # never print secrets
        ari = repr(self.ari_url) if self.ari else "off"
        return f"AsteriskConfig(ari={ari}, ami={self.ami_host}:{self.ami_port})"


_KEYS = {"ari", "ami", "app", "unknown", "ignore", "dnd", "credentials", "recordings", "tap"}
_SECRET_KEYS = {"password", "secret", "user", "username", "ari_password", "ami_secret"}
_BOOL = {"on": True, "yes": True, "true": True, "off": False, "no": False, "false": False}


def parse_spec(spec: str, env: Mapping[str, str] | None = None) -> AsteriskConfig:
    """An AsteriskConfig from ``asterisk`` or ``asterisk:key=value,...`` and the credentials."""
    env = os.environ if env is None else env
    spec = spec.strip()
    if spec != "asterisk" and not spec.startswith("asterisk:"):
        raise AsteriskConfigError(f"not an asterisk source: {spec!r}")
    options: dict[str, str] = {}
    body = spec.removeprefix("asterisk").removeprefix(":")
    for part in filter(None, (p.strip() for p in body.split(","))):
        key, sep, value = part.partition("=")
        key = key.strip().lower()
        if key in _SECRET_KEYS:
            raise AsteriskConfigError(
                "never put credentials in --source (every user can read a command line): "
                "use credentials=FILE or RINGMON_ARI_PASSWORD / RINGMON_AMI_SECRET"
            )
        if not sep or key not in _KEYS:
            raise AsteriskConfigError(
                f"--source asterisk: unknown option {part!r}; "
                f"use {', '.join(sorted(_KEYS))} (key=value, comma-separated)"
            )
        options[key] = value.strip()
    ari_url = options.get("ari", DEFAULT_ARI)
    ari_on = ari_url.lower() not in ("off", "no", "false")
    if not ari_on:
        ari_url = DEFAULT_ARI
    parts = urlsplit(ari_url if "://" in ari_url else "http://" + ari_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AsteriskConfigError(f"ari={ari_url!r}: write a URL such as http://HOST:8088")
    if parts.username or parts.password:
        raise AsteriskConfigError(
            "never put credentials in the ARI URL: use credentials=FILE or RINGMON_ARI_PASSWORD"
        )
    ari_url = f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"
    ami_host, ami_port = _host_port(options.get("ami", DEFAULT_AMI), 5038)
    creds = _credentials(options.get("credentials") or env.get("RINGMON_ASTERISK_CREDENTIALS"))
    warning = creds.pop("#warning", None)
    ari_user = env.get("RINGMON_ARI_USER") or creds.get("ari.user") or "ringmon"
    ari_password = env.get("RINGMON_ARI_PASSWORD") or creds.get("ari.password") or ""
    ami_user = env.get("RINGMON_AMI_USER") or creds.get("ami.user") or "ringmon"
    ami_secret = env.get("RINGMON_AMI_SECRET") or creds.get("ami.secret") or ""
    needed = [("RINGMON_AMI_SECRET", ami_secret)]
    if ari_on:
        needed.insert(0, ("RINGMON_ARI_PASSWORD", ari_password))
    missing = [n for n, v in needed if not v]
    if missing:
        raise AsteriskConfigError(
            f"--source asterisk needs credentials: set {' and '.join(missing)}, or name a file "
            "with credentials=FILE ([ari] user/password, [ami] user/secret)"
        )
    recordings = options.get("recordings")
    return AsteriskConfig(
        ari_url=ari_url,
        ari=ari_on,
        ami_host=ami_host,
        ami_port=ami_port,
        ari_user=ari_user,
        ari_password=ari_password,
        ami_user=ami_user,
        ami_secret=ami_secret,
        app=options.get("app") or "ringmon",
        unknown_endpoints=_flag(options.get("unknown", "show"), "unknown", show=True),
        ignore=tuple(p.strip() for p in options.get("ignore", "").split("|") if p.strip()),
        dnd=_flag(options.get("dnd", "on"), "dnd"),
        recordings_root=Path(recordings) if recordings else None,
        tap=Path(options["tap"]) if options.get("tap") else None,
        warning=warning,
    )


def _flag(value: str, key: str, *, show: bool = False) -> bool:
    value = value.lower()
    if show and value in ("show", "hide"):
        return value == "show"
    if value in _BOOL:
        return _BOOL[value]
    raise AsteriskConfigError(
        f"{key}={value!r}: use on or off" + (" (or show/hide)" if show else "")
    )


def _host_port(text: str, default_port: int) -> tuple[str, int]:
    address = host_port(text, default_port)
    if address is None:
        raise AsteriskConfigError(f"ami={text!r}: write HOST:PORT, e.g. 127.0.0.1:5038")
    return address


def _credentials(path_text: str | None) -> dict[str, str]:
    if not path_text:
        return {}
    path = Path(path_text).expanduser()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        mode = path.stat().st_mode
    except OSError as exc:
        raise AsteriskConfigError(
            f"cannot read the credentials file {str(path)!r}: {exc.strerror}"
        ) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise AsteriskConfigError(
            f"credentials file {str(path)!r}: not valid TOML: {exc}"
        ) from None
    out: dict[str, str] = {}
    for section, keys in (("ari", ("user", "password")), ("ami", ("user", "secret"))):
        table = data.get(section, {})
        if not isinstance(table, dict):
            raise AsteriskConfigError(
                f"credentials file {str(path)!r}: [{section}] must be a table"
            )
        unknown = set(table) - set(keys)
        if unknown:
            raise AsteriskConfigError(
                f"credentials file {str(path)!r}: unknown keys in [{section}]: "
                + ", ".join(sorted(unknown))
            )
        for key in keys:
            if key in table:
                out[f"{section}.{key}"] = str(table[key])
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        out["#warning"] = f"the credentials file {path!s} can be read by others: chmod 600 it"
    return out
