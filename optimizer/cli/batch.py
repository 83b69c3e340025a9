"""``doseopt batch`` and ``doseopt validate``: scenario files in, a results file out.

Every file is expanded and validated before any work starts; a broken file prints one line
naming the file, the key and what is allowed, and the command exits with status 2.
``doseopt batch`` exits 0 when every scenario was answered, 1 when some failed (their errors
are in the results), 3 when the database cannot be read or written (one line naming the
database and the cause; nothing more is computed), 130 when interrupted by Ctrl-C or ``SIGTERM``
(finished results are stored first; rerun the same command to resume), and also 130 when the
batch was cancelled (``POST /v1/batches/{id}/cancel``) while it ran.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from optimizer.cli.output import EXIT_BAD_INPUT, fail
from optimizer.errors import DoseOptError, StoreError

if TYPE_CHECKING:
    from optimizer.storage.batches import ResultRow

__all__ = ["register"]

err_console = Console(stderr=True, soft_wrap=True, highlight=False)
_OUT_TYPES = (".parquet", ".csv", ".jsonl")
#: Exit statuses of ``doseopt batch`` (documented in docs/batches.md).
EXIT_SOME_FAILED = 1
EXIT_DATABASE = 3
EXIT_INTERRUPTED = 130


class _RateColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("--/s" if speed is None else f"{speed:,.0f}/s", style="cyan")


class RichProgress:
    """done / failed / rate / ETA on standard error (see
    :class:`optimizer.batch.runner.Progress`)."""

    def __init__(self, enabled: bool) -> None:
        self.failed = 0
        self.bar = Progress(TextColumn("[bold]batch"), BarColumn(), MofNCompleteColumn(),
                            TextColumn("failed [red]{task.fields[failed]}"), _RateColumn(),
                            TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                            console=err_console, disable=not enabled, transient=False)
        self.task = self.bar.add_task("batch", total=0, failed=0)

    def start(self, total: int, finished: int) -> None:
        self.bar.reset(self.task, total=total, completed=finished, failed=0)
        self.bar.start()

    def advance(self, rows: Sequence[ResultRow]) -> None:
        from optimizer.storage.batches import ResultStatus  # storage loads with the first rows

        self.failed += sum(r.status == ResultStatus.FAILED for r in rows)
        self.bar.update(self.task, advance=len(rows), failed=self.failed)

    def stop(self) -> None:
        self.bar.stop()


Paths = Annotated[list[Path], typer.Argument(
    metavar="FILE", help="Scenario files (TOML): one question each, or a [grid] of them.")]


def validate(paths: Paths) -> None:
    """Check scenario files without running them: the scenario count per file, or the error.

    Exit status: 0 every file is valid; 2 at least one file has an error (printed).
    """
    from optimizer.batch.grid import expand_file

    bad = 0
    for path in paths:
        try:
            scenarios = expand_file(path)
        except DoseOptError as exc:
            fail(exc)
            bad += 1
            continue
        kinds = sorted({s.kind for s in scenarios})
        sys.stdout.write(f"{path}: {len(scenarios)} scenario"
                         f"{'' if len(scenarios) == 1 else 's'} ({', '.join(kinds)})\n")
    if bad:
        raise typer.Exit(code=EXIT_BAD_INPUT)


def batch(
    paths: Paths,
    out: Annotated[Path | None, typer.Option(
        "--out", metavar="PATH",
        help="Results file: .parquet, .csv or .jsonl (written at the end).")] = None,
    workers: Annotated[int, typer.Option(
        metavar="N", help="Worker processes (0 = DOSEOPT_WORKERS, or one per core).",
        min=0)] = 0,
    engine: Annotated[str, typer.Option(
        metavar="local|dask", help="local (process pool) or dask.")] = "local",
    scheduler: Annotated[str | None, typer.Option(
        metavar="URL",
        help="Dask scheduler tcp://host:port (DOSEOPT_SCHEDULER); implies --engine dask.")]
    = None,
    database: Annotated[str | None, typer.Option(
        "--database", metavar="URL",
        help="SQLAlchemy URL of the store (default: DOSEOPT_DATABASE_URL).")] = None,
    chunk_size: Annotated[int | None, typer.Option(
        metavar="N", help="Scenarios per task sent to a worker (default: automatic).",
        min=1)] = None,
    progress: Annotated[bool, typer.Option(help="Show the progress bar.")] = True,
    include_references: Annotated[bool, typer.Option(
        "--include-references",
        help="Keep patient_reference in the --out file (left out by default).")] = False,
) -> None:
    """Run every scenario of the files; rerunning the same command resumes the batch.

    Exit status: 0 every scenario answered; 1 some failed (their errors are in the results);
    2 a file, field or option to fix; 3 the database cannot be read or written; 130
    interrupted by Ctrl-C or SIGTERM (rerun the same command to resume).
    """
    from sqlalchemy.exc import SQLAlchemyError

    from optimizer.batch.export import export_batch
    from optimizer.batch.grid import expand_files
    from optimizer.batch.runner import RunOptions, run_batch, store_error
    from optimizer.settings import get_settings
    from optimizer.storage.engine import get_engine

    if engine not in ("local", "dask"):
        raise fail(DoseOptError(f"--engine: got {engine!r}; allowed: local or dask"))
    if out is not None and out.suffix.lower() not in _OUT_TYPES:
        raise fail(DoseOptError(f"--out: got {str(out)!r}; allowed: a file ending in "
                                 + ", ".join(_OUT_TYPES)))
    try:
        scenarios = expand_files(paths)
    except DoseOptError as exc:
        raise fail(exc) from None
    settings = get_settings()
    url = database or settings.database_url
    scheduler = scheduler or settings.scheduler
    bar = RichProgress(progress and err_console.is_terminal)
    stop = threading.Event()
    options = RunOptions(workers=workers or None,
                         engine="dask" if scheduler or engine == "dask" else "local",
                         scheduler=scheduler, chunk_size=chunk_size, progress=bar,
                         claim_lease_s=settings.batch_claim_lease_s, stop=stop)
    # SIGTERM asks the run to stop between chunks (never inside a database transaction): what
    # finished is stored, the unfinished claims are given back, the batch is interrupted.
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    try:
        summary = run_batch(scenarios, options, database_url=url,
                            source=json.dumps([str(p) for p in paths]))
        rows = None
        if out is not None:
            rows = export_batch(get_engine(url), summary.batch_id, out,
                                include_references=include_references)
    except SQLAlchemyError as exc:  # the export's reads
        bar.stop()
        err_console.print(f"error: {store_error(get_engine(url), exc)}", highlight=False,
                          markup=False)
        raise typer.Exit(code=EXIT_DATABASE) from None
    except StoreError as exc:
        bar.stop()
        err_console.print(f"error: {exc}; the batch is resumable once the database is "
                          "writable (rerun the same command)", highlight=False, markup=False)
        raise typer.Exit(code=EXIT_DATABASE) from None
    except KeyboardInterrupt:
        bar.stop()
        err_console.print("interrupted: finished results are stored; rerun to resume")
        raise typer.Exit(code=EXIT_INTERRUPTED) from None
    finally:
        bar.stop()
        signal.signal(signal.SIGTERM, previous)
    others = (f", {summary.by_others} by another runner" if summary.by_others else "")
    err_console.print(
        f"batch {summary.batch_id}: {summary.total} scenarios, {summary.done} done, "
        f"{summary.failed} failed; this run {summary.ran} in {summary.elapsed_s:.1f} s "
        f"({summary.rate_per_s:,.0f}/s), {summary.skipped} already stored{others}"
        + (f"; {rows} rows written to {out}" if out is not None else ""), markup=False)
    from optimizer.storage.batches import BatchStatus

    if summary.status != BatchStatus.DONE:  # SIGTERM, or cancelled over HTTP while it ran
        err_console.print(f"batch {summary.batch_id} is {summary.status.value}: finished "
                          "results are stored; rerun to resume", markup=False)
        raise typer.Exit(code=EXIT_INTERRUPTED)
    if summary.failed:
        raise typer.Exit(code=EXIT_SOME_FAILED)


def register(app: typer.Typer) -> None:
    """Add ``batch`` and ``validate`` to the ``doseopt`` command."""
    app.command("validate")(validate)
    app.command("batch")(batch)
