"""flask --app app backup / restore (the command line of ../shared/API.md)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from sqlalchemy.engine import make_url

from app.config import normalise_url
from app.ops import backups, copydb
from points.backup import BackupError, NeedsPgDump
from points.db import make_engine


def _problems(report) -> None:
    for p in report.problems:
        click.echo(
            f"PROBLEM {p.kind}: household {p.household_id}"
            + (f" entry {p.entry_id}" if p.entry_id is not None else "")
            + (f" ({p.detail})" if p.detail else "")
        )


def register(app: Flask) -> None:
    @app.cli.command("backup")
    @click.option(
        "--to",
        "folder",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="folder for the copy (default: CUNYUE_BACKUP_DIR, else instance/backups)",
    )
    @click.option("--if-data", is_flag=True, help="do nothing (exit 0) when there is no data yet")
    def backup_command(folder, if_data):
        """A verified copy of the database; prints ok and the copy's path."""
        if if_data and not backups.holds_data(backups.database_url(current_app)):
            click.echo("no data yet: nothing to back up")
            return
        try:
            info = backups.run_backup(current_app, folder)
        except NeedsPgDump as exc:
            click.echo(
                "error: pg_dump is not installed here; run it where it is:\n  "
                + exc.details["command"],
                err=True,
            )
            sys.exit(1)
        except BackupError as exc:
            click.echo(f"error: backup failed: {exc.details}", err=True)
            sys.exit(1)
        summary = (
            f"{info.entries} entries, {len(info.heads)} chain heads, schema {info.schema}, "
            f"{info.size} bytes"
        )
        if not info.verified:
            click.echo(f"error: the copy {info.path} does not verify ({summary})", err=True)
            for p in info.problems:
                click.echo(f"PROBLEM {p['kind']}: household {p['household_id']}", err=True)
            sys.exit(1)
        click.echo(f"ok {info.path}")
        click.echo(summary)

    @app.cli.command("restore")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--force", is_flag=True, help="replace a database that holds data (kept aside)")
    def restore_command(file, force):
        """Restore FILE into the configured database (stop the server first), migrate it to
        the current schema and verify the ledger."""
        url = backups.database_url(current_app)
        villages = backups.holds_data(url)
        if villages and not force:
            click.echo(
                f"error: the database holds data ({villages} village(s)); give --force to "
                "replace it (the replaced database is kept)",
                err=True,
            )
            sys.exit(1)
        try:
            restored = backups.restore(current_app, file)
        except BackupError as exc:
            click.echo(f"error: restore failed: {exc.details}", err=True)
            sys.exit(1)
        if restored.kept:
            click.echo(f"the replaced database is kept as {restored.kept}")
        report = restored.report
        _problems(report)
        if restored.heads_match is False:
            click.echo("PROBLEM the chain heads differ from those recorded with the backup")
        click.echo(
            f"restored {file} (schema {restored.schema}): {report.entries} entries in "
            f"{report.households} households: "
            + ("OK" if report.ok else f"{len(report.problems)} problem(s)")
            + ("; chain heads match the backup's record" if restored.heads_match else "")
        )
        sys.exit(0 if report.ok and restored.heads_match is not False else 1)

    @app.cli.command("copy-database")
    @click.option("--to", "target_url", required=True, help="the target database's URL")
    def copy_database_command(target_url):
        """Copy this database into another (e.g. SQLite to PostgreSQL): the target is
        migrated to head and must be empty; both ledgers are verified and their chain heads
        compared."""
        target_url = normalise_url(target_url)
        backups.migrate_to_head(target_url)
        source = make_engine(backups.database_url(current_app))
        target = make_engine(target_url)
        try:
            copied = copydb.copy_database(source, target)
        except BackupError as exc:
            click.echo(f"error: {exc.details.get('detail', exc.code)}", err=True)
            sys.exit(1)
        finally:
            source.dispose()
            target.dispose()
        shown = make_url(target_url).render_as_string(hide_password=True)
        for name, count in copied.rows.items():
            if count:
                click.echo(f"{name}: {count}")
        s, t = copied.source, copied.target
        if not copied.heads_match or not t.ok:
            _problems(t)
            click.echo(
                f"error: the copy in {shown} does not match ({s.entries} entries and "
                f"{len(s.heads)} chain heads here, {t.entries} and {len(t.heads)} there); "
                "nothing was kept",
                err=True,
            )
            sys.exit(1)
        click.echo(
            f"ok {shown}: {t.entries} entries, {len(t.heads)} chain heads, the same on both sides"
        )
