"""Progress bars on stderr (rate and ETA), only where a person is watching.

Long work (ERP import, the first sync of a mailbox, reindexing) reports through this; stdout stays
free for ``--format json``. Without a terminal on stderr nothing is drawn.
"""

from __future__ import annotations

import sys
from typing import Any


class ProgressBars:
    """Several labelled bars at once (one per folder); a no-op when stderr is not a terminal."""

    def __init__(self, *, enabled: bool | None = None) -> None:
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self._progress: Any = None
        self._tasks: dict[str, Any] = {}

    def _ensure(self) -> Any:
        if self._progress is None:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TaskProgressColumn,
                TextColumn,
                TimeRemainingColumn,
                TransferSpeedColumn,
            )

            class _Rate(TransferSpeedColumn):
                def render(self, task: Any) -> Any:
                    from rich.text import Text

                    speed = task.finished_speed or task.speed
                    return Text(f"{speed:,.0f}/s" if speed else "?/s", style="progress.data.speed")

            self._progress = Progress(
                TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                TaskProgressColumn(), _Rate(), TimeRemainingColumn(),
                console=Console(stderr=True), transient=False,
            )
            self._progress.start()
        return self._progress

    def start(self, label: str, total: int) -> None:
        if self.enabled:
            self._tasks[label] = self._ensure().add_task(label, total=total)

    def advance(self, label: str, n: int) -> None:
        if self.enabled and label in self._tasks:
            self._progress.advance(self._tasks[label], n)

    def finish(self, label: str) -> None:
        if self.enabled and label in self._tasks:
            task = self._tasks.pop(label)
            self._progress.update(task, completed=self._progress.tasks[task].total)

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
