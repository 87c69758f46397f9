"""Cunyue's web layer: ``create_app()`` builds the Flask application."""

from __future__ import annotations

import inspect
from typing import Any

from flask import Flask, g, request, session
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from app import config, inputs, logredact
from app.db import close_session
from app.extensions import babel, compress, csrf, login_manager
from app.ratelimits import init_counts
from app.security import CookieSessions, RequestGlobals, is_api_request
from points import ledger
from points.db import Database

LANGUAGES = ("zh", "en")
MAX_ID = 2**31 - 1
# Sent with every response unless the view set its own.
SECURITY_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
    (
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; "
        "style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
        "form-action 'self'",
    ),
)


class IdConverter(IntegerConverter):
    """``<int:...>`` in every route: positive ids that fit the database's integer columns."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


class CunyueFlask(Flask):
    """Flask, deciding once per function body whether a view or hook is a coroutine
    function: Flask asks ``inspect`` at every call, a dozen times in every request (the
    views and hooks of Cunyue and its extensions are all plain functions). The answer is
    kept by code object, which a fresh closure or a fresh view's bound method shares with
    the ones before it, so what is kept does not grow with the requests. Request bodies are
    read with :class:`app.inputs.GuardedJSON`."""

    json_provider_class = inputs.GuardedJSON

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._coroutine_code: dict[Any, bool] = {}

    def ensure_sync(self, func: Any) -> Any:
        plain = getattr(func, "__func__", func)
        code = getattr(plain, "__code__", None)
        if code is None or hasattr(plain, "_is_coroutine_marker"):
            # a partial, a callable object, or a function marked a coroutine function one by
            # one (inspect.markcoroutinefunction): as Flask does
            return super().ensure_sync(func)
        is_coroutine = self._coroutine_code.get(code)
        if is_coroutine is None:
            is_coroutine = self._coroutine_code[code] = inspect.iscoroutinefunction(func)
        return super().ensure_sync(func) if is_coroutine else func


def select_locale() -> str:
    lang = request.args.get("lang")
    if lang in LANGUAGES:
        session["lang"] = lang
        return lang
    return session.get("lang") if session.get("lang") in LANGUAGES else "zh"


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    app = CunyueFlask(
        __name__,
        template_folder=str(config.PROJECT_ROOT / "templates"),
        instance_path=str(config.instance_path()),
    )
    app.config.update(config.settings())
    app.config.update(
        BABEL_DEFAULT_LOCALE="zh",
        BABEL_DEFAULT_TIMEZONE="Asia/Shanghai",
        BABEL_TRANSLATION_DIRECTORIES=str(config.PROJECT_ROOT / "app" / "translations"),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        MAX_CONTENT_LENGTH=8 * 1024 * 1024,
        WTF_CSRF_TIME_LIMIT=None,
        WTF_CSRF_CHECK_DEFAULT=False,  # pages are checked by _check_csrf_on_pages
        COMPRESS_ALGORITHM=["br", "gzip"],
        COMPRESS_MIN_SIZE=600,
        COMPRESS_REGISTER=False,  # compressed in _compress below, static files excepted
        SEND_FILE_MAX_AGE_DEFAULT=86400,
    )
    inputs.register(app)
    app.json.ensure_ascii = False
    app.app_ctx_globals_class = RequestGlobals
    app.session_interface = CookieSessions()
    app.url_map.converters["int"] = IdConverter
    if overrides:
        app.config.update(overrides)
    app.config["REMEMBER_COOKIE_SECURE"] = app.config["SESSION_COOKIE_SECURE"]
    if app.config["CUNYUE_PROXIES"]:
        # Behind that many reverse proxies: the client's address and scheme are the ones the
        # nearest proxies wrote in X-Forwarded-For and X-Forwarded-Proto (so the login
        # throttle counts real clients, and HSTS is sent when the proxy serves HTTPS).
        # Without the setting these headers are ignored: any client can write them.
        n = app.config["CUNYUE_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=0, x_port=0)

    ledger.set_key(app.config["LEDGER_KEY"])
    database = app.config.get("CUNYUE_DATABASE") or Database(app.config["DATABASE_URL"])
    app.extensions["cunyue_db"] = database
    app.teardown_appcontext(close_session)

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    csrf.init_app(app)

    @app.before_request
    def _check_csrf_on_pages() -> None:
        # In place of Flask-WTF's own hook (WTF_CSRF_CHECK_DEFAULT is off), which looked at
        # every request only to find the API's blueprint exempt: app.api checks the token
        # itself for cookie-authenticated writes.
        if not is_api_request() and app.config["WTF_CSRF_ENABLED"]:
            csrf.protect(apply_exemptions=True)

    babel.init_app(app, locale_selector=select_locale)
    init_counts(app)
    compress.init_app(app)
    logredact.install_filters(app.logger)

    from app import assets, cli, errors, ops, views
    from app.admin.privacy import bp as privacy_bp
    from app.admin.routes import bp as admin_bp
    from app.api import bp as api_bp
    from app.auth.routes import bp as auth_bp
    from app.awards.routes import bp as awards_bp
    from app.board.routes import bp as board_bp
    from app.county.routes import bp as county_bp
    from app.deliberation.routes import bp as delib_bp
    from app.host.attend import bp as attend_bp
    from app.host.offline import bp as offline_bp
    from app.host.routes import bp as host_bp
    from app.office import bp as office_bp
    from app.office.records import bp as records_bp
    from app.resident.routes import bp as resident_bp
    from app.shop.routes import bp as shop_bp
    from app.shop.voids import bp as _shop_voids  # noqa: F401  (its routes on shop_bp)
    from app.topics.routes import bp as topics_bp

    for bp in (
        auth_bp,
        admin_bp,
        resident_bp,
        api_bp,
        awards_bp,
        host_bp,
        attend_bp,
        offline_bp,
        shop_bp,
        board_bp,
        topics_bp,
        delib_bp,
        records_bp,
    ):
        app.register_blueprint(bp)
    app.register_blueprint(county_bp)
    app.register_blueprint(privacy_bp)
    app.register_blueprint(office_bp)
    views.register(app)
    assets.register(app)
    errors.register(app)
    cli.register(app)
    ops.init_app(app)

    @app.before_request
    def _remember_user() -> None:
        # The API's requests are app.api's to authenticate (a bearer token or this cookie).
        if not is_api_request():
            g.user = current_user.user if current_user.is_authenticated else None

    @app.after_request
    def _security_headers(response):
        # One look at the headers the view set (Headers.setdefault would scan them per name).
        headers = response.headers
        present = {name.lower() for name, _ in headers}
        for name, value in SECURITY_HEADERS:
            if name.lower() not in present:
                headers.add(name, value)
        if request.is_secure and "strict-transport-security" not in present:
            headers.add("Strict-Transport-Security", "max-age=31536000")
        return response

    @app.after_request
    def _compress(response):
        # Pages and JSON are compressed, and so are the app's own stylesheets and scripts:
        # sent as they are, cunyue.css alone was 16 KB of a resident page's 20 on a village
        # line. The browser libraries under vendor/ come precompressed (app/assets.py).
        if request.endpoint == "static":
            if not assets.compress_in_process(request.view_args.get("filename", ""), response):
                return response
            response.direct_passthrough = False
            response.get_data()  # small files: read once, then compressed as a whole
            response = compress.after_request(response)
            if "Content-Encoding" in response.headers:
                response.headers.pop("Accept-Ranges", None)  # ranges are of the file itself
            return response
        if response.direct_passthrough:
            return response
        return compress.after_request(response)

    return app
