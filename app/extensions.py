"""Flask extensions, created once and bound in create_app()."""

from __future__ import annotations

from flask_babel import Babel
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
compress = Compress()  # gzip/brotli for pages and JSON: residents are on 2G/3G
# Limits are only on the login views (app.ratelimits), and the limiter's hooks run only for
# them (app.ratelimits.init_limiter): a default or application-wide limit added here would
# count on those views only.
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)
