"""Files in and out: ``import`` and ``export``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress

from bot.cli.common import ConfigOption, app, complain, err, open_runtime


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="A .csv or .xlsx file with a header row.")],
    pool: Annotated[str, typer.Option("--pool", help="Pool the customers go into.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check and report; change nothing.")] = False,
    config: ConfigOption = None,
) -> None:
    """Import customers; duplicates (same name or phone) are skipped and reported."""
    from bot.importer import ImportFileError, import_file

    runtime = open_runtime(config)
    with Progress(console=err, transient=True) as progress:
        task = progress.add_task("importing", total=None)

        def advance(done: int, total: int | None) -> None:
            progress.update(task, completed=done, total=total)

        def indexing(name: str) -> None:
            progress.update(task, description=f"building index {name}")

        try:
            report = import_file(
                runtime.services.db,
                runtime.services.clock,
                file,
                pool_name=pool,
                dry_run=dry_run,
                progress=advance,
                indexing=indexing,
            )
        except ImportFileError as exc:
            complain(str(exc))
            raise typer.Exit(1) from exc
    for line in report.lines():
        print(line)


@app.command()
def export(
    output: Annotated[Path | None, typer.Option("--output", "-o", help="CSV file (default: stdout).")] = None,
    pool: Annotated[str | None, typer.Option("--pool", help="Only this pool.")] = None,
    config: ConfigOption = None,
) -> None:
    """Write customers as CSV, with owner and recycle deadline (reads only: works on a read-only
    database). A file is written whole or not at all."""
    from bot.exporter import ExportError, check_target, export_csv, export_file

    try:
        if output is not None:
            check_target(output)  # before opening the database: a wrong path costs nothing
        runtime = open_runtime(config, read_only=True)
        if output is None:
            count = export_csv(runtime.services.db, sys.stdout, pool_name=pool)
        else:
            count = export_file(runtime.services.db, output, pool_name=pool)
    except ExportError as exc:
        complain(str(exc))
        raise typer.Exit(1) from exc
    err.print(f"{count} customers exported")
