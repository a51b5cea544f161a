"""One small registry so components are chosen by name (``loss="wgan-gp"``).

The UI's select boxes read ``REGISTRY.names()`` and ``REGISTRY.help(name)``, so adding a loss,
an architecture or a schedule is one decorated function and no page change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Entry(Generic[T]):
    name: str
    obj: T
    label: str  # human-readable name for the UI
    help: str  # what it does, the formula, when to use it


class Registry(Generic[T]):
    """A named set of components with a label and a help text each."""

    def __init__(self, kind: str):
        self.kind = kind
        self._entries: dict[str, Entry[T]] = {}

    def register(self, name: str, *, label: str | None = None, help: str = "") -> Callable[[T], T]:
        def deco(obj: T) -> T:
            if name in self._entries:
                raise ValueError(f"{self.kind} {name!r} is registered twice")
            self._entries[name] = Entry(name, obj, label or name, help.strip())
            return obj

        return deco

    def get(self, name: str) -> T:
        return self.entry(name).obj

    def entry(self, name: str) -> Entry[T]:
        try:
            return self._entries[name]
        except KeyError:
            raise KeyError(f"unknown {self.kind} {name!r}; allowed: {', '.join(self.names())}") from None

    def names(self) -> list[str]:
        return list(self._entries)

    def label(self, name: str) -> str:
        return self.entry(name).label

    def help(self, name: str) -> str:
        return self.entry(name).help

    def __contains__(self, name: Any) -> bool:
        return name in self._entries
