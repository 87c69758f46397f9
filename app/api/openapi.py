"""The OpenAPI 3 document, generated from the routes and their marshmallow schemas."""

from __future__ import annotations

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec_webframeworks.flask import FlaskPlugin
from flask import current_app, jsonify, render_template

from app.api import bp

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error", "message"],
    "properties": {
        "error": {"type": "string"},
        "message": {"type": "string"},
        "fields": {"type": "object", "additionalProperties": {"type": "string"}},
    },
    "additionalProperties": True,
}
ERROR_STATUS = {
    "bad_request": 400,
    "invalid_credentials": 401,
    "not_found": 404,
    "rate_limited": 429,
    "invalid_card": 400,
    "expired_code": 400,
    "invalid_event_code": 400,
    "upload_rate_limited": 429,
    "upload_quota_exceeded": 429,
    "village_quota_exceeded": 413,
    "storage_full": 507,
}


def build_spec() -> dict:
    spec = APISpec(
        title="Cunyue API",
        version="1",
        openapi_version="3.0.3",
        plugins=[FlaskPlugin(), MarshmallowPlugin()],
        info={"description": "村约积分 JSON API. Errors: {error, message, fields?}."},
    )
    spec.components.schema("Error", ERROR_SCHEMA)
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    views = current_app.view_functions
    for rule in sorted(current_app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.endpoint.startswith("api."):
            continue
        view = views[rule.endpoint]
        meta = getattr(view, "openapi", None)
        if meta is None:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            spec.path(
                view=view, operations={method.lower(): _operation(meta, rule)}, app=current_app
            )
    return spec.to_dict()


def _operation(meta: dict, rule) -> dict:
    op: dict = {"summary": meta["summary"], "responses": {}}
    if meta["roles"]:
        op["description"] = "Roles: " + ", ".join(r.value for r in meta["roles"])
    if rule.endpoint != "api.issue_token" and "/public/" not in rule.rule:
        op["security"] = [{"bearer": []}]
    params = []
    for arg in rule.arguments:
        params.append(
            {
                "in": "path",
                "name": arg,
                "required": True,
                "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
            }
        )
    if meta["query"] is not None:
        params.append({"in": "query", "schema": meta["query"]})
    if meta["idempotent"]:
        params.append(
            {
                "in": "header",
                "name": "Idempotency-Key",
                "required": False,
                "schema": {"type": "string", "maxLength": 64},
            }
        )
    if params:
        op["parameters"] = params
    if meta["body"] is not None:
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": meta["body"]}},
        }
    for status, description in meta["responses"].items():
        media_types = meta.get("media_types") or ("application/json",)
        op["responses"][str(status)] = {
            "description": description,
            "content": {
                media: {
                    "schema": {"type": "object"}
                    if media == "application/json"
                    else {"type": "string", "format": "binary"}
                }
                for media in media_types
            },
        }
    error_statuses = {401, 403} if rule.endpoint != "api.issue_token" else {401, 429}
    if meta["body"] is not None or meta["query"] is not None:
        error_statuses.add(400)
    if rule.arguments or meta["body"] is not None:
        error_statuses.add(404)  # the path's id, or an id in the body, is not of the village
    if meta["idempotent"]:
        error_statuses |= {400, 409}  # a malformed key; the same key for a different request
    for code in meta["errors"]:
        error_statuses.add(ERROR_STATUS.get(code, 409))
    for status in sorted(error_statuses):
        op["responses"][str(status)] = {
            "description": "error",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
    return op


@bp.get("/openapi.json")
def openapi_json():
    return jsonify(build_spec())


@bp.get("/docs")
def docs():
    return render_template("api/docs.html", spec=build_spec())
