"""Command-line tools for installers: flask --app app <command>."""

from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from sqlalchemy import select

from app import demo
from app.awards.shared import uploads_dir
from points import (
    awards,
    evidence,
    expiry,
    postings,
    tallies,
    uploads,
    users,
    villages,
)
from points import county as counties
from points.errors import DomainError, ValidationFailed
from points.models import ExpiryMode, Village


def _session():
    return current_app.extensions["cunyue_db"].session(write=True)


def _fail(exc: DomainError) -> None:
    if isinstance(exc, ValidationFailed):
        detail = "; ".join(f"{k}: {v}" for k, v in exc.fields.items())
        click.echo(f"error: invalid input: {detail}", err=True)
    else:
        extra = ", ".join(f"{k}={v}" for k, v in exc.details.items())
        click.echo(f"error: {exc.code}" + (f" ({extra})" if extra else ""), err=True)
    sys.exit(1)


def register(app: Flask) -> None:
    from app.ops import commands as ops_commands

    ops_commands.register(app)

    @app.cli.command("create-village")
    @click.option("--code", required=True)
    @click.option("--name", required=True)
    @click.option("--county", default="")
    @click.option("--town", default="")
    @click.option("--timezone", default="Asia/Shanghai")
    def create_village(code, name, county, town, timezone):
        """Create a village and print its id."""
        session = _session()
        try:
            with session.begin():
                village = villages.create_village(
                    session,
                    code=code,
                    name=name,
                    county_name=county,
                    town_name=town,
                    timezone=timezone,
                )
        except DomainError as exc:
            _fail(exc)
        click.echo(village.id)

    @app.cli.command("create-county")
    @click.option("--code", required=True)
    @click.option("--name", required=True)
    @click.option("--timezone", default="Asia/Shanghai")
    def create_county(code, name, timezone):
        """Create a county (县/镇) and print its id."""
        session = _session()
        try:
            with session.begin():
                county = counties.create_county(session, code=code, name=name, timezone=timezone)
        except DomainError as exc:
            _fail(exc)
        click.echo(county.id)

    @app.cli.command("attach-village")
    @click.option("--county", "county_code", required=True, help="county code")
    @click.option("--village", "village_codes", multiple=True, required=True, help="village code")
    def attach_village(county_code, village_codes):
        """Put villages in a county: its officers then see them on the county table."""
        session = _session()
        try:
            with session.begin():
                county = counties.get_county_by_code(session, county_code)
                for code in village_codes:
                    counties.attach_village(
                        session, county, villages.get_village_by_code(session, code)
                    )
        except DomainError as exc:
            _fail(exc)
        click.echo(f"{len(village_codes)} village(s) in county {county.code}")

    @app.cli.command("rebuild-tallies")
    def rebuild_tallies():
        """Recount the county table's monthly tallies from the ledger (after a restore)."""
        session = _session()
        with session.begin():
            tallies.rebuild(session)
        click.echo("tallies rebuilt")

    @app.cli.command("create-user")
    @click.option("--village", "village_code", default=None, help="village code")
    @click.option("--county", "county_code", default=None, help="county code: a county officer")
    @click.option("--username", required=True)
    @click.option("--password", required=True)
    @click.option("--role", "roles", multiple=True)
    @click.option("--name", "full_name", default="")
    def create_user(village_code, county_code, username, password, roles, full_name):
        """Create a login with one or more roles in a village, or (--county, no roles) a
        county officer's login."""
        if bool(village_code) == bool(county_code):
            raise click.UsageError("give --village CODE (with --role) or --county CODE")
        if village_code and not roles:
            raise click.UsageError("Missing option '--role'.")
        if county_code and roles:
            raise click.UsageError("a county officer has no village roles: leave out --role")
        session = _session()
        try:
            with session.begin():
                if county_code:
                    user = counties.create_officer(
                        session,
                        county=counties.get_county_by_code(session, county_code),
                        username=username,
                        password=password,
                        full_name=full_name,
                    )
                else:
                    village = villages.get_village_by_code(session, village_code)
                    user = users.create_user(
                        session,
                        username=username,
                        password=password,
                        village_id=village.id,
                        roles=roles,
                        full_name=full_name,
                    )
        except DomainError as exc:
            _fail(exc)
        click.echo(f"user {user.username} (id {user.id}) created")

    def _village_login(session, village_code: str, username: str):
        """A village's login by its username, for the commands that act on one."""
        village = villages.get_village_by_code(session, village_code)
        user = next(
            (u for u in users.list_users(session, village.id) if u.username == username), None
        )
        if user is None:
            raise click.ClickException(f"no login {username} in village {village_code}")
        return user

    @app.cli.command("set-roles")
    @click.option("--village", "village_code", required=True, help="village code")
    @click.option("--username", required=True)
    @click.option("--role", "roles", multiple=True, required=True)
    def set_roles(village_code, username, roles):
        """Set the roles of a village's login. The supervisory committee's role is granted
        and removed here (or by the county), never by the village's own admins."""
        session = _session()
        try:
            with session.begin():
                user = _village_login(session, village_code, username)
                users.set_roles(session, user, roles, by_id=None)
                held = ", ".join(sorted(r.value for r in user.roles))
        except DomainError as exc:
            _fail(exc)
        click.echo(f"user {username} now holds: {held}")

    @app.cli.command("reset-password")
    @click.option("--village", "village_code", required=True, help="village code")
    @click.option("--username", required=True)
    @click.option("--password", required=True)
    def reset_password(village_code, username, password):
        """Set a new password for a village's login: the only way for a supervisor's, which
        the village's admins cannot reset. Its sessions and tokens end."""
        session = _session()
        try:
            with session.begin():
                user = _village_login(session, village_code, username)
                users.reset_password(session, user, new=password, by_id=None)
        except DomainError as exc:
            _fail(exc)
        click.echo(f"the password of {username} has been reset")

    @app.cli.command("seed-demo")
    @click.option("--if-empty", is_flag=True, help="do nothing (exit 0) when data exists")
    def seed_demo(if_empty):
        """Load the demo village into an empty database."""
        session = _session()
        with session.begin():
            if not demo.is_empty(session):
                if if_empty:
                    click.echo("database has data; demo not loaded")
                    return
                click.echo(
                    "error: the database is not empty; the demo loads only into an empty one",
                    err=True,
                )
                sys.exit(1)
            village = demo.seed_demo(session)
        click.echo(f"demo village {village.name} ({village.code}) loaded")
        click.echo(
            f"logins (password {demo.DEMO_PASSWORD}): "
            + ", ".join(
                [u for u, _r, _n in demo.DEMO_LOGINS]
                + [demo.DEMO_RESIDENT_LOGIN, demo.DEMO_COUNTY_LOGIN]
            )
        )

    @app.cli.command("verify-ledger")
    @click.option("--village", "village_code", default=None)
    def verify_ledger(village_code):
        """Recompute every hash chain, cached balance and posting code; exit 1 naming each
        problem (for postings, the first one per village that no longer matches)."""
        session = current_app.extensions["cunyue_db"].session(write=False)
        with session.begin():
            village_id = (
                villages.get_village_by_code(session, village_code).id if village_code else None
            )
            report = postings.verify(session, village_id=village_id)
        for p in report.problems:
            if p.posting_id is not None:
                click.echo(f"PROBLEM {p.kind}: {p.detail}")
                continue
            click.echo(
                f"PROBLEM {p.kind}: household {p.household_id}"
                + (f" entry {p.entry_id}" if p.entry_id is not None else "")
                + (f" ({p.detail})" if p.detail else "")
            )
        click.echo(
            f"{report.entries} entries in {report.households} households: "
            + ("OK" if report.ok else f"{len(report.problems)} problem(s)")
        )
        sys.exit(0 if report.ok else 1)

    @app.cli.command("confirm-due")
    @click.option("--village", "village_code", default=None)
    def confirm_due(village_code):
        """Confirm awards whose objection window has ended with no open objection."""
        session = _session()
        try:
            with session.begin():
                village_id = (
                    villages.get_village_by_code(session, village_code).id if village_code else None
                )
                count = awards.confirm_due(session, village_id)
        except DomainError as exc:
            _fail(exc)
        click.echo(f"{count} award(s) confirmed")

    @app.cli.command("remove-rejected-photos")
    @click.option("--village", "village_code", default=None)
    def remove_rejected_photos(village_code):
        """Delete the photos of rejected claims whose objection window has passed."""
        folder = uploads_dir()
        session = _session()
        try:
            with session.begin():
                if village_code:
                    targets = [villages.get_village_by_code(session, village_code)]
                else:
                    targets = list(session.scalars(select(Village).order_by(Village.id)))
                count = sum(
                    evidence.remove_rejected_photos(session, v, uploads_dir=folder) for v in targets
                )
        except DomainError as exc:
            _fail(exc)
        click.echo(f"{count} photo(s) removed")

    @app.cli.command("set-upload-quota")
    @click.option("--village", "village_code", required=True)
    @click.option("--mb", "megabytes", type=int, default=None, help="empty: the default")
    def set_upload_quota(village_code, megabytes):
        """A village's own upload quota in MB (without --mb: back to UPLOAD_VILLAGE_MB)."""
        session = _session()
        try:
            with session.begin():
                village = villages.get_village_by_code(session, village_code)
                uploads.set_village_quota(session, village, megabytes, by_id=None)
        except DomainError as exc:
            _fail(exc)
        click.echo(
            f"{village.code}: upload quota " + (f"{megabytes} MB" if megabytes else "default")
        )

    @app.cli.command("expire-points")
    @click.option("--village", "village_code", default=None)
    def expire_points(village_code):
        """积分清零: post expiry entries (oldest points first) for villages that clear annually."""
        session = _session()
        try:
            with session.begin():
                if village_code:
                    targets = [villages.get_village_by_code(session, village_code)]
                else:
                    targets = list(
                        session.scalars(
                            select(Village).where(Village.expiry_mode == ExpiryMode.ANNUAL)
                        )
                    )
                total = 0
                for village in targets:
                    posted = expiry.expire_points(session, village)
                    total += sum(-e.amount for e in posted)
                    click.echo(
                        f"{village.code}: {len(posted)} household(s), {sum(-e.amount for e in posted)} points expired"
                    )
        except DomainError as exc:
            _fail(exc)
        click.echo(f"{total} points expired")
