"""Keep card payloads, tokens and passwords out of log lines.

A card's payload or short code in an access log is enough to print the card and spend the
household's points; an event's check-in link carries its token in the path; a bearer token
or a session cookie in a header is a login. Pages send cards by POST, but a URL someone
types or an old bookmark still reaches the log, so the logs redact what they write:

- query strings keep their parameter names, and the values only of parameters known to be
  harmless ids and choices (``household=12``, ``lang=zh``); every other value becomes ``…``;
- the token of an event check-in link (``/c/<token>``) becomes ``…``;
- the Referer is redacted the same way; Authorization and Cookie headers, Set-Cookie and the
  WSGI environment are not written at all.

:class:`AccessLogger` is gunicorn's logger with these rules (``make run`` passes it as
``--logger-class``); :class:`RedactingFilter` does the same for the development server's
request lines (the ``werkzeug`` logger) and for the application's own log records.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import parse_qsl, urlsplit

from gunicorn.glogging import Logger

# Query parameters whose values are ids, page choices or dates: nothing that logs a person in
# or prints a card.
HARMLESS_PARAMETERS = frozenset(
    {
        "household",
        "resident",
        "group",
        "event",
        "item",
        "status",
        "lang",
        "limit",
        "paper",
        "month",
        "day",
        "year",
        "page",
        "format",
    }
)
REDACTED = "…"
_PLAIN = re.compile(r"[A-Za-z0-9_.:-]{0,40}")
# The rotating event QR's check-in link: /c/<token>
_TOKEN_IN_PATH = re.compile(r"(/c/)[^/?#\s]+")
_HIDDEN_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization", "x-csrftoken"})
_HIDDEN_RESPONSE_HEADERS = frozenset({"set-cookie"})


def redact_query(query: str) -> str:
    if not query:
        return query
    pairs = parse_qsl(query, keep_blank_values=True)
    if not pairs:
        return REDACTED
    return "&".join(
        f"{name}={value if name in HARMLESS_PARAMETERS and _PLAIN.fullmatch(value) else REDACTED}"
        for name, value in pairs
    )


def redact_path(path: str) -> str:
    return _TOKEN_IN_PATH.sub(rf"\g<1>{REDACTED}", path or "")


def redact_target(target: str) -> str:
    """A request target or URL with its query values and path tokens redacted."""
    if not target or target == "-":
        return target
    parts = urlsplit(target)
    prefix = f"{parts.scheme}://{parts.netloc}" if parts.netloc else ""
    out = prefix + redact_path(parts.path)
    if parts.query or target.endswith("?"):
        out += "?" + redact_query(parts.query)
    return out


_REQUEST_LINE = re.compile(r"\b([A-Z]{3,8}) (\S+) (HTTP/\d(?:\.\d)?)")


def redact_text(text: str) -> str:
    """Request lines (``GET /x?y HTTP/1.1``) and bare check-in paths inside free text."""
    text = _REQUEST_LINE.sub(lambda m: f"{m[1]} {redact_target(m[2])} {m[3]}", text)
    return redact_path(text)


class AccessLogger(Logger):
    """gunicorn's logger, its access-log atoms redacted (see the module's docstring)."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        target = environ.get("RAW_URI") or environ.get("PATH_INFO", "")
        atoms["r"] = "{} {} {}".format(
            environ.get("REQUEST_METHOD"), redact_target(target), environ.get("SERVER_PROTOCOL")
        )
        atoms["U"] = redact_path(environ.get("PATH_INFO", ""))
        atoms["q"] = redact_query(environ.get("QUERY_STRING", ""))
        atoms["f"] = redact_target(environ.get("HTTP_REFERER", "-"))
        for key in list(atoms):
            if key.endswith("}e"):
                del atoms[key]
            elif key.endswith("}i"):
                name = key[1:-2]
                if name in _HIDDEN_HEADERS:
                    del atoms[key]
                elif name == "referer":
                    atoms[key] = atoms["f"]
            elif key.endswith("}o") and key[1:-2] in _HIDDEN_RESPONSE_HEADERS:
                del atoms[key]
        return atoms


class RedactingFilter(logging.Filter):
    """Rewrites a record's message with request targets and check-in tokens redacted."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_text(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


def install_filters(app_logger: logging.Logger) -> None:
    """The filter on the development server's request log and on the application's log."""
    for logger in (logging.getLogger("werkzeug"), app_logger):
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(RedactingFilter())
