"""Rich progress for an ingest run: files and pages done, pages/s, ETA and errors so far (on stderr)."""

from __future__ import annotations

import time
from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, Progress, ProgressColumn, Task, TextColumn, TimeRemainingColumn
from rich.text import Text


class _PagesColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        pages = task.fields.get("pages", 0)
        elapsed = task.elapsed or 0.0
        rate = pages / elapsed if elapsed > 0 else 0.0
        return Text(f"{pages} pages  {rate:.1f} pages/s", style="cyan")


class _ErrorsColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        errors = task.fields.get("errors", 0)
        return Text(f"{errors} errors", style="bold red" if errors else "dim")


class IngestProgress:
    """Counts what a run has done; shows it live when `enabled` (a terminal), silent otherwise."""

    def __init__(self, console: Console, enabled: bool = True) -> None:
        self.enabled = enabled
        self.started = time.perf_counter()
        self.files_total = 0
        self.files_done = 0
        self.pages = 0
        self.errors = 0
        self._progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total} files"),
            _PagesColumn(),
            TimeRemainingColumn(),
            _ErrorsColumn(),
            console=console,
            disable=not enabled,
            transient=False,
        )
        self._task = self._progress.add_task("ingest", total=0, pages=0, errors=0)

    def __enter__(self) -> IngestProgress:
        self._progress.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self._progress.stop()

    def found(self, to_process: bool) -> None:
        """A file was found; only files that need processing count towards the bar's total."""
        if to_process:
            self.files_total += 1
            self._progress.update(self._task, total=self.files_total)

    def error(self) -> None:
        self.errors += 1
        self._progress.update(self._task, errors=self.errors)

    def done(self, pages: int, failed: bool) -> None:
        self.files_done += 1
        self.pages += pages
        if failed:
            self.errors += 1
        self._progress.update(self._task, completed=self.files_done, pages=self.pages, errors=self.errors)

    def describe(self, text: str) -> None:
        self._progress.update(self._task, description=text)
