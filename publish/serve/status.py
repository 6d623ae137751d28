"""What the preview server tells open pages: the build generation and the last build's errors.

The watcher bumps the generation after every rebuild; each page the server sends carries the
generation it was sent at, and reloads itself when the server announces another one.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Snapshot:
    generation: int
    building: bool
    errors: tuple[str, ...]
    summary: str
    closed: bool = False

    def to_json(self) -> dict[str, object]:
        return {"generation": self.generation, "building": self.building,
                "errors": list(self.errors), "summary": self.summary}


@dataclass
class SiteStatus:
    """Shared between the watcher (one writer) and the server's threads (readers)."""

    _snapshot: Snapshot = field(default_factory=lambda: Snapshot(0, False, (), ""))
    _changed: threading.Condition = field(default_factory=threading.Condition)

    def snapshot(self) -> Snapshot:
        with self._changed:
            return self._snapshot

    def building(self) -> None:
        self._update(building=True)

    def built(self, errors: list[str], summary: str) -> None:
        """A rebuild finished: a new generation, with what went wrong (or nothing)."""
        with self._changed:
            self._update(generation=self._snapshot.generation + 1, building=False,
                         errors=tuple(errors), summary=summary)

    def close(self) -> None:
        """The server is stopping: wake every page waiting for news, so its thread ends."""
        self._update(closed=True)

    def wait(self, generation: int | None, timeout: float) -> Snapshot:
        """The state once its generation differs from `generation` (or the server closes),
        or the state as it is after `timeout` seconds."""
        with self._changed:
            self._changed.wait_for(lambda: self._snapshot.closed
                                   or self._snapshot.generation != generation, timeout)
            return self._snapshot

    def _update(self, **changes: object) -> None:
        with self._changed:
            values = {**self._snapshot.__dict__, **changes}
            self._snapshot = Snapshot(**values)  # type: ignore[arg-type]
            self._changed.notify_all()
