"""Keys remapped from the config file's ``[keys]`` table: binding id -> keys.

Every binding of ringmon's screens and widgets has an id (``board.filter_panel``,
``profile.call_log``, ``quit``, ...); ``[keys]`` gives one other keys (``"board.filter_panel" =
"ctrl+f,f"``), and Textual's ``App.set_keymap`` applies them wherever that binding is. An id
that no binding has is refused at start with the ids there are, rather than silently ignored.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator, Mapping
from pathlib import Path

from textual.binding import Binding
from textual.dom import DOMNode

from ringmon.config import ConfigError
from ringmon.settings_file import ConfigFileError, has_problems, problem_at, read_toml


def _import_every_screen() -> None:
    """Bindings live on classes: import every module that defines a screen or a widget."""
    for package in ("ringmon.screens", "ringmon.widgets"):
        for module in pkgutil.iter_modules(importlib.import_module(package).__path__):
            importlib.import_module(f"{package}.{module.name}")
    importlib.import_module("ringmon.app")


def _subclasses(cls: type[DOMNode]) -> Iterator[type[DOMNode]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def binding_ids() -> dict[str, str]:
    """Every binding id of ringmon, with what the binding does."""
    _import_every_screen()
    ids: dict[str, str] = {}
    for cls in _subclasses(DOMNode):
        if not cls.__module__.startswith("ringmon."):
            continue
        for binding in cls.__dict__.get("BINDINGS", []):
            if isinstance(binding, Binding) and binding.id:
                ids.setdefault(binding.id, binding.description or binding.action)
    return dict(sorted(ids.items()))


def check_keymap(keys: Mapping[str, str], config_file: Path) -> None:
    """Refuse ids in ``[keys]`` that no binding has (``ConfigError`` naming the file, the
    line and the ids there are)."""
    known = binding_ids()
    unknown = [binding for binding in keys if binding not in known]
    if not unknown:
        return
    try:
        text = read_toml(config_file)
    except ConfigFileError:
        text = ""
    ids = ", ".join(known)
    problems = [
        problem_at(config_file, text, ("keys", binding), f"no binding has this id (the ids: {ids})")
        for binding in unknown
    ]
    raise ConfigError(has_problems(config_file, problems))
