"""One place that turns domain errors and HTTP errors into JSON or pages, localized."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, jsonify, render_template
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import DataError, IntegrityError
from werkzeug.exceptions import HTTPException

from app.security import is_api_request
from points.errors import DomainError, ValidationFailed

# Messages for error codes, shown to people in their language.
MESSAGES: dict[str, Any] = {
    "bad_request": _l("Some of the input is not valid."),
    "unauthorized": _l("Please log in."),
    "invalid_credentials": _l("Wrong username or password."),
    "forbidden": _l("You do not have permission to do this."),
    "not_found": _l("Not found."),
    "method_not_allowed": _l("This method is not allowed here."),
    "conflict": _l("This conflicts with the current state."),
    "rate_limited": _l("Too many attempts. Please wait a while and try again."),
    "payload_too_large": _l("The upload is too large."),
    "unsupported_media_type": _l("Send the request body as JSON."),
    "server_error": _l("Something went wrong on our side. Nothing was changed."),
    "duplicate_username": _l("That username is already taken."),
    "duplicate_household_number": _l("A household with that number already exists."),
    "duplicate_phone": _l("Another resident of the village has that phone number."),
    "not_due_for_anonymisation": _l(
        "This resident cannot be anonymised yet: only a moved-out or deceased resident, after the retention period."
    ),
    "already_anonymised": _l("This resident is already anonymised."),
    "duplicate_village_code": _l("A village with that code already exists."),
    "duplicate_county_code": _l("A county with that code already exists."),
    "duplicate_code": _l("A rule with that code already exists."),
    "wrong_password": _l("The current password is wrong."),
    "idempotency_mismatch": _l("This Idempotency-Key was already used for a different request."),
    "insufficient_points": _l("The household does not have enough points."),
    "already_corrected": _l("This entry has already been corrected."),
    "not_correctable": _l(
        "Redemptions and refunds belong to an order: void the order at the shop instead."
    ),
    "ledger_immutable": _l("Ledger entries cannot be changed."),
    "invalid_card": _l("This card is not valid. It may have been reissued."),
    "monthly_cap_reached": _l("The monthly limit for this rule has been reached."),
    "csrf": _l("The form expired. Please go back and try again."),
    "award_not_pending": _l("This award is no longer waiting for review."),
    "conflict_of_interest": _l(
        "You cannot decide this: you made it, it concerns your own household, or your login"
        " was made by the person who made it (or by a member of that household)."
    ),
    "rule_inactive": _l("This rule is no longer in use."),
    "not_claimable": _l("Residents cannot claim points under this rule themselves."),
    "not_in_objection_window": _l("This award is not open for objections."),
    "already_objected": _l("You have already objected to this award."),
    "objection_closed": _l("This objection has already been decided."),
    "import_failed": _l("The sheet has errors; nothing was imported."),
    "invalid_rows": _l("Some rows of the sheet have errors; nothing was imported."),
    "event_not_open": _l("The event is not open for check-in."),
    "invalid_transition": _l("This cannot move to that state from its current one."),
    "in_objection_window": _l(
        "The result is still posted for objections, or an objection is undecided."
    ),
    "already_rated": _l("You have already rated this topic."),
    "quorum_not_met": _l("The meeting has not reached its quorum: no vote can be taken."),
    "not_called": _l("This person is not called to this meeting and cannot vote."),
    "already_voted": _l("This person has already voted on this item."),
    "vote_closed": _l("The vote on this item is closed."),
    "vote_not_passed": _l("The meeting has not passed this topic by a vote."),
    "too_few_households": _l("Too few households have signed this nomination."),
    "already_signed": _l("This household has already signed a nomination this term."),
    "already_nominated": _l("This resident is already nominated for this term."),
    "nomination_closed": _l("This nomination has already been decided."),
    "term_ended": _l("This term has ended."),
    "duplicate_body": _l("The village already has a body of this kind."),
    "chain_exists": _l("This topic is already on the 四议两公开 route."),
    "already_answered": _l("This has already been answered."),
    "vote_required": _l("This meeting decides by a vote: record it on the meeting's page."),
    "already_settled": _l("The duty points of this meeting have already been posted."),
    "meeting_not_ended": _l(
        "The duty points are posted after the meeting has ended: close its event first."
    ),
    "not_checked_in": _l("This resident has not checked in to the event."),
    "already_checked_out": _l("This resident has already checked out."),
    "not_volunteer_event": _l("Only volunteer events have check-out."),
    "already_undone": _l("This check-in has already been undone."),
    "expired_code": _l("This event code has expired. Scan the code on the screen again."),
    "invalid_event_code": _l("This is not a valid event code."),
    "out_of_stock": _l("Not enough of this item on the shelf."),
    "limit_reached": _l("The household has reached this month's limit for this item."),
    "negative_stock": _l("Stock cannot go below zero."),
    "item_inactive": _l("This item is no longer on sale."),
    "duplicate_item_name": _l("An item with that name already exists."),
    "already_voided": _l("This order has already been voided."),
    "void_needs_supervisor": _l("Orders of an earlier day can only be voided by the supervisor."),
    "void_already_requested": _l("A void request for this order is already waiting."),
    "void_request_closed": _l(
        "This void request has already been decided: the order was voided or the request declined."
    ),
    "supervisor_password_from_command_line": _l(
        "A supervisor's password is reset from the command line or by the county, not here."
    ),
    "upload_rate_limited": _l(
        "Too many photos in a short time. Please wait a minute and try again."
    ),
    "upload_quota_exceeded": _l(
        "You have uploaded as many photos as allowed in a day. Please try again tomorrow."
    ),
    "village_quota_exceeded": _l(
        "The village's storage for photos is full. Please tell the village committee."
    ),
    "storage_full": _l(
        "The server's disk is full, so the photo was not saved. Nothing was changed. "
        "Please tell the village committee."
    ),
    "already_posted": _l("This month has already been posted."),
}

# Field messages raised by the domain (untranslated ids), listed so the catalogue has them.
FIELD_MESSAGES = (
    _l("required"),
    _l("at most 50 characters"),
    _l("at most 200 characters"),
    _l("required, at most 50 characters"),
    _l("required, at most 100 characters"),
    _l("required, at most 200 characters"),
    _l("required, at most 32 characters"),
    _l("not a phone number"),
    _l("1-32 letters, digits or -"),
    _l("1-32 letters, digits, - or _"),
    _l("2-32 letters, digits, - or _"),
    _l("3-64 letters, digits, . _ or -"),
    _l("at least 8 characters"),
    _l("too easy to guess"),
    _l("unknown role"),
    _l("at least one role"),
    _l("username and password go together"),
    _l("already in this household"),
    _l("unknown status"),
    _l("invalid cursor"),
    _l("must be a whole number"),
    _l("out of range"),
    _l("1 to 64 printable characters"),
    _l("unknown time zone"),
    _l("0 to 60 days"),
    _l("not zero, at most 1000 either way"),
    _l("per_time or per_hour"),
    _l("a positive number, or empty for no cap"),
    _l("true or false"),
    _l("not before the latest version's date"),
    _l("user has no village"),
    _l("a reason is required"),
    _l("not a valid value"),
    _l("must be a JSON object"),
    _l("unknown field"),
    _l("not a valid date"),
    _l("a month as YYYY-MM"),
    _l("not a month still to come"),
    _l("name, number or totals"),
    _l("five rising positive numbers"),
    _l("1 to 24"),
    _l("you cannot remove your own admin role"),
    _l("you cannot disable your own login"),
    _l("at most 500 characters"),
    _l("not an active resident"),
    _l("a note or a photo is required"),
    _l("a photo is required for this rule"),
    _l("empty file"),
    _l("at most 5 MB"),
    _l("a JPEG, PNG or WebP photo"),
    _l("an .xlsx file"),
    _l("the sheet is empty"),
    _l("the first row needs the columns code, title, category and points"),
    _l("at most 500 rows"),
    _l("appears twice in the sheet"),
    _l("a time with its offset"),
    _l("meeting or volunteer"),
    _l("after the start"),
    _l("unknown rule"),
    _l("an active rule that awards points"),
    _l("village, groups or households"),
    _l("choose groups of the village"),
    _l("choose households of the village"),
    _l("in the future"),
    _l("a card or a resident_id"),
    _l("unknown household number"),
    _l("at most 16 characters"),
    _l("at most 32 characters"),
    _l("not zero, at most 100000 either way"),
    _l("purchase, donation, count or damage"),
    _l("budget, donation, collective or other"),
    _l("positive for purchases and donations, negative for damage"),
    _l("at least one item"),
    _l("at most 30 lines"),
    _l("quantity 1 to 99"),
    _l("points go to a resident donor only"),
    _l("contains characters that are not allowed"),
    _l("nested too deep"),
    _l("a date from 2000 to 2099"),
    _l("at most 2 MB"),
    _l("a JPEG, PNG or WebP picture"),
    _l("at most 100 characters"),
    _l("at most 1000 characters"),
    _l("at most 2000 characters"),
    _l("at most 4000 characters"),
    _l("the resident who raised it"),
    _l("the channel the topic came by"),
    _l("one of the village's categories"),
    _l("another committee member"),
    _l("a meeting with this topic on its agenda"),
    _l("not in the future"),
    _l("a member of the household"),
    _l("the household has no members"),
    _l("no ratings yet"),
    _l("satisfied, basically_satisfied or dissatisfied"),
    _l("staff only"),
    _l("another topic of the village"),
)

HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
    500: "server_error",
}


def message_for(code: str) -> str:
    msg = MESSAGES.get(code)
    return str(msg) if msg is not None else str(MESSAGES["conflict"])


def translate_fields(fields: dict[str, str]) -> dict[str, str]:
    return {name: gettext(msg) for name, msg in fields.items()}


def error_body(error_code: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    return {**(extra or {}), "error": error_code, "message": message_for(error_code)}


def json_error(status: int, error_code: str, extra: dict[str, Any] | None = None):
    response = jsonify(error_body(error_code, extra))
    response.status_code = status
    return response


def domain_error_response(exc: DomainError):
    extra: dict[str, Any] = dict(exc.details)
    if isinstance(exc, ValidationFailed):
        extra["fields"] = translate_fields(exc.fields)
    if is_api_request():
        response = json_error(exc.status, exc.code, extra)
    else:
        response = current_app.make_response(
            (
                render_template(
                    "error.html",
                    code=exc.code,
                    message=message_for(exc.code),
                    fields=extra.get("fields"),
                ),
                exc.status,
            )
        )
    if "retry_after" in exc.details:
        response.headers["Retry-After"] = str(exc.details["retry_after"])
    return response


def register(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(exc: DomainError):
        return domain_error_response(exc)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        if exc.response is not None and exc.code in (301, 302, 303):
            return exc.response
        if exc.code == 401 and not is_api_request() and exc.response is not None:
            return exc.response
        code = HTTP_CODES.get(exc.code or 500, "bad_request")
        if code == "bad_request" and "CSRF" in (exc.description or ""):
            code = "csrf"
        if is_api_request():
            response = json_error(exc.code or 500, code)
        else:
            response = app.make_response(
                (render_template("error.html", code=code, message=message_for(code)), exc.code)
            )
        if exc.code == 429 and exc.response is not None and exc.response.headers.get("Retry-After"):
            response.headers["Retry-After"] = exc.response.headers["Retry-After"]
        return response

    @app.errorhandler(DataError)
    @app.errorhandler(OverflowError)
    def _data_error(exc: DataError | OverflowError):
        # The database refused a value (a number beyond its integer range, a text too long;
        # SQLite's driver raises OverflowError for a number beyond 64 bits), or a date
        # beyond the calendar: bad input that slipped past validation. Nothing was written.
        app.logger.warning("value out of range: %s", getattr(exc, "orig", exc))
        if is_api_request():
            return json_error(400, "bad_request", {"fields": {}})
        return render_template(
            "error.html", code="bad_request", message=message_for("bad_request")
        ), 400

    @app.errorhandler(IntegrityError)
    def _integrity_error(exc: IntegrityError):
        # A unique or foreign-key rule of the database refused the write: two requests made
        # the same new thing at the same instant (the domain's own check ran before either
        # had committed). Nothing of this request was written; the first one stands.
        app.logger.warning("database refused a write: %s", exc.orig)
        if is_api_request():
            return json_error(409, "conflict")
        return render_template("error.html", code="conflict", message=message_for("conflict")), 409

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        app.logger.exception("unhandled error")
        if is_api_request():
            return json_error(500, "server_error")
        return render_template(
            "error.html", code="server_error", message=message_for("server_error")
        ), 500
