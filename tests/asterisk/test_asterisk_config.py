"""``--source asterisk:...``: options, and credentials that never come from argv."""

from __future__ import annotations

from pathlib import Path

import pytest

from ringmon.hub.server import ConfigError, HubConfig, make_source
from ringmon.sources.asterisk import AsteriskSource
from ringmon.sources.asterisk.config import AsteriskConfigError, parse_spec

ENV = {"RINGMON_ARI_PASSWORD": "pw", "RINGMON_AMI_SECRET": "sec"}


def test_defaults_and_options() -> None:
    cfg = parse_spec("asterisk", ENV)
    assert (cfg.ari_url, cfg.ami_host, cfg.ami_port, cfg.app) == (
        "http://127.0.0.1:8088",
        "127.0.0.1",
        5038,
        "ringmon",
    )
    assert (cfg.ari_user, cfg.ari_password, cfg.ami_user, cfg.ami_secret) == (
        "ringmon",
        "pw",
        "ringmon",
        "sec",
    )
    assert cfg.name == "asterisk:127.0.0.1:8088"
    cfg = parse_spec(
        "asterisk:ari=https://pbx.example:8089/,ami=[::1]:5039,app=wall,unknown=hide,dnd=off,"
        "ignore=trunk-*|prov*,recordings=/mnt/pbx,tap=/tmp/t.jsonl",
        ENV,
    )
    assert (cfg.ari_url, cfg.ami_host, cfg.ami_port) == ("https://pbx.example:8089", "::1", 5039)
    assert (cfg.app, cfg.unknown_endpoints, cfg.dnd) == ("wall", False, False)
    assert cfg.ignore == ("trunk-*", "prov*")
    assert cfg.recordings_root == Path("/mnt/pbx") and cfg.tap == Path("/tmp/t.jsonl")
    assert "pw" not in repr(cfg) and "sec" not in repr(cfg)


@pytest.mark.parametrize(
    "spec",
    [
        "asterisk:password=x",
        "asterisk:secret=x",
        "asterisk:user=x",
        "asterisk:ari=http://u:p@127.0.0.1:8088",
    ],
)
def test_credentials_in_argv_are_refused(spec: str) -> None:
    with pytest.raises(AsteriskConfigError, match="credentials"):
        parse_spec(spec, ENV)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("asterisk:colour=blue", "unknown option"),
        ("asterisk:ari", "unknown option"),
        ("asterisk:ari=ftp://x", "URL"),
        ("asterisk:ami=host:99999", "HOST:PORT"),
        ("asterisk:dnd=maybe", "on or off"),
        ("asterisks", "not an asterisk source"),
    ],
)
def test_bad_specs_say_why(spec: str, message: str) -> None:
    with pytest.raises(AsteriskConfigError, match=message):
        parse_spec(spec, ENV)


def test_missing_credentials_name_what_to_set() -> None:
    with pytest.raises(AsteriskConfigError, match="RINGMON_AMI_SECRET"):
        parse_spec("asterisk", {"RINGMON_ARI_PASSWORD": "pw"})


def test_credentials_file_and_environment_precedence(tmp_path: Path) -> None:
    creds = tmp_path / "asterisk.toml"
    creds.write_text(
        '[ari]\nuser = "ari-u"\npassword = "ari-p"\n[ami]\nuser = "ami-u"\nsecret = "ami-s"\n'
    )
    creds.chmod(0o600)
    cfg = parse_spec(f"asterisk:credentials={creds}", {})
    assert (cfg.ari_user, cfg.ari_password, cfg.ami_user, cfg.ami_secret) == (
        "ari-u",
        "ari-p",
        "ami-u",
        "ami-s",
    )
    assert cfg.warning is None
    cfg = parse_spec("asterisk", {"RINGMON_ASTERISK_CREDENTIALS": str(creds), **ENV})
    assert (cfg.ari_password, cfg.ami_secret, cfg.ari_user) == ("pw", "sec", "ari-u")
    creds.chmod(0o644)
    assert "chmod 600" in (parse_spec(f"asterisk:credentials={creds}", {}).warning or "")


def test_bad_credentials_files(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[ari\n")
    with pytest.raises(AsteriskConfigError, match="not valid TOML"):
        parse_spec(f"asterisk:credentials={bad}", {})
    bad.write_text('[ari]\npasword = "typo"\n')
    with pytest.raises(AsteriskConfigError, match="unknown keys"):
        parse_spec(f"asterisk:credentials={bad}", {})
    with pytest.raises(AsteriskConfigError, match="cannot read"):
        parse_spec(f"asterisk:credentials={tmp_path / 'none.toml'}", {})


def test_hub_source_spec(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    source = make_source("asterisk:ari=http://127.0.0.1:8088", HubConfig())
    assert isinstance(source, AsteriskSource)
    assert source.name == "asterisk:127.0.0.1:8088"
    with pytest.raises(ConfigError, match="credentials"):
        make_source("asterisk:secret=x", HubConfig())
