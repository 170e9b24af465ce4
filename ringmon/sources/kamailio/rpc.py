"""Kamailio's JSON-RPC over HTTP (xhttp + jsonrpcs), for resync: ``ul.dump`` and ``dlg.list``."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

import httpx

from ringmon.sources.kamailio.facts import Contact, Dialog


class RpcError(RuntimeError):
    """Kamailio answered, but with an error (or not with JSON-RPC)."""


def parse_ul_dump(result: Any) -> list[Contact]:
    """Every contact in a ``ul.dump`` result (all usrloc domains)."""
    contacts: list[Contact] = []
    if not isinstance(result, Mapping):
        return contacts
    for domain in result.get("Domains") or []:
        body = domain.get("Domain", {}) if isinstance(domain, Mapping) else {}
        for aor_item in body.get("AoRs") or []:
            info = aor_item.get("Info", {}) if isinstance(aor_item, Mapping) else {}
            aor = str(info.get("AoR", ""))
            for item in info.get("Contacts") or []:
                data = item.get("Contact", {}) if isinstance(item, Mapping) else {}
                if aor and isinstance(data, Mapping):
                    contacts.append(Contact.from_ul_dump(aor, data))
    return contacts


def parse_dlg_list(result: Any) -> list[Dialog]:
    """The calls in a ``dlg.list`` result that ringmon.cfg marked (others are not ours)."""
    dialogs: list[Dialog] = []
    for item in result if isinstance(result, list) else []:
        if isinstance(item, Mapping):
            dialog = Dialog.from_dlg_list(item)
            if dialog is not None and dialog.state < 5:
                dialogs.append(dialog)
    return dialogs


class KamailioRpc:
    """A small JSON-RPC 2.0 client on one URL (``http://127.0.0.1:5080/RPC``)."""

    def __init__(self, url: str, *, timeout: float = 5.0) -> None:
        self.url = url
        self.timeout = timeout
        self._ids = itertools.count(1)

    async def call(self, method: str, params: list[Any] | None = None) -> Any:
        request: dict[str, Any] = {"jsonrpc": "2.0", "method": method, "id": next(self._ids)}
        if params:
            request["params"] = params
        async with httpx.AsyncClient(timeout=self.timeout) as client:
            response = await client.post(self.url, json=request)
        response.raise_for_status()
        try:
            answer = response.json()
        except ValueError as exc:
            raise RpcError(f"{method}: the answer is not JSON") from exc
        if not isinstance(answer, Mapping):
            raise RpcError(f"{method}: the answer is not a JSON-RPC object")
        if "error" in answer:
            error = answer["error"]
            message = error.get("message") if isinstance(error, Mapping) else error
            raise RpcError(f"{method}: {message}")
        return answer.get("result")

    async def contacts(self) -> list[Contact]:
        return parse_ul_dump(await self.call("ul.dump"))

    async def dialogs(self) -> list[Dialog]:
        return parse_dlg_list(await self.call("dlg.list"))
