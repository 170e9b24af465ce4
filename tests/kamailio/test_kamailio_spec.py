"""``--source kamailio:...``: the address, the options, and a sentence for what is wrong."""

from __future__ import annotations

import re

import pytest

from ringmon.sources.kamailio import SpecError, parse_spec


def test_the_default_rpc_url_follows_the_evapi_host() -> None:
    source = parse_spec("kamailio:127.0.0.1:8448")
    assert (source.host, source.port) == ("127.0.0.1", 8448)
    assert source.rpc is not None and source.rpc.url == "http://127.0.0.1:5080/RPC"
    ipv6 = parse_spec("kamailio:[::1]:8448")
    assert (ipv6.host, ipv6.port) == ("::1", 8448)
    assert ipv6.rpc is not None and ipv6.rpc.url == "http://[::1]:5080/RPC"
    assert parse_spec("kamailio:h:1,rpc=none,unknown=skip").rpc is None


@pytest.mark.parametrize("spec", ["kamailio:host", "kamailio::5", "kamailio:h:0", "kamailio:h:x"])
def test_a_bad_address_says_how_to_write_one(spec: str) -> None:
    how = re.escape("give evapi's address, e.g. kamailio:127.0.0.1:8448")
    with pytest.raises(SpecError, match=how):
        parse_spec(spec)
