"""Controllers: each turns one kind of user action into state changes and keeps its views in step
with the state. They share the `State` and a `Messages` sink; none holds another."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass
class Messages:
    """Where controllers report: `error` (one line, shown in a message box), `status` (the status bar)."""

    error: Callable[[str], None]
    status: Callable[[str], None]
