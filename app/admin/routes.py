"""The village committee's pages: households, residents and staff logins."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from app.admin.forms import (
    HouseholdForm,
    MoveForm,
    NewResidentForm,
    ResetPasswordForm,
    ResidentForm,
    RolesForm,
    StatusForm,
    UserForm,
)
from app.awards.shared import confirm_lazily
from app.charts import dashboard_charts
from app.db import get_session
from app.forms import commit_or_errors, invalid_status
from app.ops import autobackup
from app.security import STAFF, require_role
from points import fair_access, honours, ledger, residents, users, villages
from points.dashboard import village_figures
from points.errors import DomainError
from points.models import Role

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/dashboard")
@require_role(*STAFF)
def dashboard():
    confirm_lazily(g.user.village_id)
    session = get_session()
    figures = village_figures(session, g.user.village)
    months = honours.settings_of(session, g.user.village_id).idle_months
    idle = fair_access.idle_count(session, g.user.village, months=months)
    backups = autobackup.status(current_app) if g.user.has_role(Role.ADMIN) else None
    return render_template(
        "admin/dashboard.html",
        f=figures,
        idle=idle,
        idle_months=months,
        backups=backups,
        charts=dashboard_charts(session, g.user.village),
    )


@bp.get("/households")
@require_role(*STAFF)
def households():
    q = request.args.get("q", "")
    session = get_session()
    groups = villages.list_groups(session, g.user.village_id)
    group = request.args.get("group", "")
    group_id = next((gr.id for gr in groups if str(gr.id) == group), None)
    if group and group_id is None:
        abort(404)
    sort = "number" if request.args.get("sort") == "number" else ""
    try:
        limit = residents.clean_limit(request.args.get("limit"), default=50)
        page = residents.search_households(
            session,
            g.user.village_id,
            q,
            limit=limit,
            cursor=request.args.get("cursor"),
            group_id=group_id,
            by_number=bool(sort),
        )
    except DomainError:
        page = residents.Page([], None)
    return render_template(
        "admin/households.html", page=page, q=q, groups=groups, group=group, sort=sort
    )


@bp.route("/households/new", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def household_new():
    form = HouseholdForm()
    status = invalid_status(form)
    if form.validate_on_submit():
        household, status = commit_or_errors(
            form,
            lambda s: residents.create_household(
                s,
                village_id=g.user.village_id,
                number=form.number.data,
                group=form.group.data,
                address=form.address.data or "",
                by_id=g.user.id,
            ),
            {"household_number": "number"},
        )
        if household is not None:
            flash(_("Household %(number)s created.", number=household.number), "success")
            return redirect(url_for("admin.household", household_id=household.id))
    return render_template("admin/household_form.html", form=form, household=None), status


@bp.get("/households/<int:household_id>")
@require_role(*STAFF)
def household(household_id: int):
    confirm_lazily(g.user.village_id)
    session = get_session()
    household = residents.get_household(session, g.user.village_id, household_id)
    entries = ledger.entries(session, household.id, limit=20)
    tier = honours.household_tier(session, household)
    return render_template("admin/household.html", household=household, entries=entries, tier=tier)


@bp.route("/households/<int:household_id>/edit", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def household_edit(household_id: int):
    session = get_session()
    household = residents.get_household(session, g.user.village_id, household_id)
    form = HouseholdForm(obj=household, group=household.group.name if household.group else "")
    status = invalid_status(form)
    if form.validate_on_submit():
        result, status = commit_or_errors(
            form,
            lambda s: residents.update_household(
                s,
                household,
                number=form.number.data,
                group=form.group.data,
                address=form.address.data or "",
                by_id=g.user.id,
            ),
            {"household_number": "number"},
        )
        if result is not None:
            flash(_("Saved."), "success")
            return redirect(url_for("admin.household", household_id=household.id))
    return render_template("admin/household_form.html", form=form, household=household), status


@bp.route("/residents/new", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def resident_new():
    form = NewResidentForm(household_number=request.args.get("household", ""))
    status = invalid_status(form)
    if form.validate_on_submit():
        resident, status = commit_or_errors(
            form,
            lambda s: residents.create_resident(
                s,
                village_id=g.user.village_id,
                household_number=form.household_number.data,
                name=form.name.data,
                phone=form.phone.data,
                group=form.group.data,
                is_head=form.is_head.data,
                username=form.username.data or None,
                password=form.password.data or None,
                by_id=g.user.id,
            ),
        )
        if resident is not None:
            flash(_("%(name)s added.", name=resident.name), "success")
            return redirect(url_for("admin.household", household_id=resident.household_id))
    return render_template("admin/resident_new.html", form=form), status


@bp.route("/residents/<int:resident_id>", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def resident_edit(resident_id: int):
    session = get_session()
    resident = residents.get_resident(session, g.user.village_id, resident_id)
    form = ResidentForm(obj=resident)
    status = invalid_status(form)
    if form.validate_on_submit():
        result, status = commit_or_errors(
            form,
            lambda s: residents.update_resident(
                s,
                resident,
                name=form.name.data,
                phone=form.phone.data,
                is_head=form.is_head.data,
                by_id=g.user.id,
            ),
        )
        if result is not None:
            flash(_("Saved."), "success")
            return redirect(url_for("admin.household", household_id=resident.household_id))
    return (
        render_template(
            "admin/resident_edit.html",
            form=form,
            resident=resident,
            move_form=MoveForm(formdata=None),
            status_form=StatusForm(formdata=None, status=resident.status.value),
        ),
        status,
    )


@bp.post("/residents/<int:resident_id>/move")
@require_role(Role.ADMIN)
def resident_move(resident_id: int):
    session = get_session()
    resident = residents.get_resident(session, g.user.village_id, resident_id)
    form = MoveForm()
    status = 400
    if form.validate_on_submit():
        result, status = commit_or_errors(
            form,
            lambda s: residents.move_resident(
                s, resident, household_number=form.household_number.data, by_id=g.user.id
            ),
        )
        if result is not None:
            flash(_("%(name)s moved.", name=resident.name), "success")
            return redirect(url_for("admin.household", household_id=result.household_id))
    return (
        render_template(
            "admin/resident_edit.html",
            form=ResidentForm(formdata=None, obj=resident),
            resident=resident,
            move_form=form,
            status_form=StatusForm(formdata=None, status=resident.status.value),
        ),
        status,
    )


@bp.post("/residents/<int:resident_id>/status")
@require_role(Role.ADMIN)
def resident_status(resident_id: int):
    session = get_session()
    resident = residents.get_resident(session, g.user.village_id, resident_id)
    form = StatusForm()
    status = 400
    if form.validate_on_submit():
        result, status = commit_or_errors(
            form,
            lambda s: residents.set_status(s, resident, status=form.status.data, by_id=g.user.id),
        )
        if result is not None:
            flash(_("Saved."), "success")
            return redirect(url_for("admin.household", household_id=resident.household_id))
    return (
        render_template(
            "admin/resident_edit.html",
            form=ResidentForm(formdata=None, obj=resident),
            resident=resident,
            move_form=MoveForm(formdata=None),
            status_form=form,
        ),
        status,
    )


def _roles_form(user, **kw) -> RolesForm:
    resident = user.resident
    return RolesForm(
        roles=sorted({r.role.value for r in user.role_rows}),
        active=user.active,
        household_number=resident.household.number if resident else "",
        resident_name=resident.name if resident else "",
        **kw,
    )


@bp.get("/role-changes")
@require_role(Role.ADMIN, Role.SUPERVISOR)
def role_changes():
    """Who made which login, gave or took which role, disabled or linked it: for the
    supervisory committee to read (and the committee whose changes they are)."""
    return render_template(
        "admin/role_changes.html", changes=users.role_changes(get_session(), g.user.village_id)
    )


@bp.get("/users")
@require_role(Role.ADMIN)
def user_list():
    return render_template(
        "admin/users.html", users=users.list_users(get_session(), g.user.village_id)
    )


@bp.route("/users/new", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def user_new():
    form = UserForm()
    status = invalid_status(form)
    if form.validate_on_submit():
        user, status = commit_or_errors(
            form,
            lambda s: users.create_user(
                s,
                username=form.username.data,
                password=form.password.data,
                village_id=g.user.village_id,
                roles=form.roles.data,
                resident_id=residents.find_resident(
                    s, g.user.village_id, form.household_number.data, form.resident_name.data
                ),
                full_name=form.full_name.data or "",
                by_id=g.user.id,
            ),
            {"resident": "resident_name"},
        )
        if user is not None:
            flash(_("Login %(username)s created.", username=user.username), "success")
            return redirect(url_for("admin.user_list"))
    return render_template("admin/user_new.html", form=form), status


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def user_edit(user_id: int):
    session = get_session()
    user = users.get_user(session, g.user.village_id, user_id)
    form = _roles_form(user)
    status = invalid_status(form)
    if form.validate_on_submit():

        def change(s):
            users.set_roles(s, user, form.roles.data, by_id=g.user.id)
            resident_id = residents.find_resident(
                s, g.user.village_id, form.household_number.data, form.resident_name.data
            )
            users.link_resident(s, user, resident_id, by_id=g.user.id)
            if form.active.data != user.active:
                users.set_active(s, user, form.active.data, by_id=g.user.id)
            return user

        result, status = commit_or_errors(form, change, {"resident": "resident_name"})
        if result is not None:
            flash(_("Saved."), "success")
            return redirect(url_for("admin.user_list"))
    return (
        render_template(
            "admin/user_edit.html",
            form=form,
            user=user,
            reset_form=ResetPasswordForm(formdata=None),
        ),
        status,
    )


@bp.post("/users/<int:user_id>/password")
@require_role(Role.ADMIN)
def user_reset_password(user_id: int):
    session = get_session()
    user = users.get_user(session, g.user.village_id, user_id)
    form = ResetPasswordForm()
    status = 400
    if form.validate_on_submit():
        result, status = commit_or_errors(
            form, lambda s: users.reset_password(s, user, new=form.password.data, by_id=g.user.id)
        )
        if result is not None:
            flash(
                _("The password of %(username)s has been reset.", username=user.username), "success"
            )
            return redirect(url_for("admin.user_list"))
    roles_form = _roles_form(user, formdata=None)
    return render_template(
        "admin/user_edit.html", form=roles_form, user=user, reset_form=form
    ), status
