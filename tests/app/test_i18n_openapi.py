"""The Chinese catalogue is complete and the OpenAPI document is valid and complete."""

import re
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po
from openapi_spec_validator import validate

from app.config import PROJECT_ROOT


def _catalog(lang: str):
    with open(
        PROJECT_ROOT / "app" / "translations" / lang / "LC_MESSAGES" / "messages.po", "rb"
    ) as f:
        return read_po(f)


def test_every_message_in_the_code_has_a_chinese_translation(tmp_path: Path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "N_",
            "--no-location",
            "-o",
            str(pot),
            "app",
            "points",
            "store",
            "templates",
        ],
        cwd=PROJECT_ROOT,
        check=True,
        capture_output=True,
    )
    with open(pot, "rb") as f:
        in_code = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    zh = {(m.id if isinstance(m.id, str) else m.id[0]): m for m in _catalog("zh") if m.id}
    missing = sorted(i for i in in_code if i not in zh)
    untranslated = sorted(i for i in in_code if i in zh and (not zh[i].string or zh[i].fuzzy))
    assert not missing, f"run `make i18n-extract`: {missing[:10]}"
    assert not untranslated, f"fill the Chinese msgstr: {untranslated[:10]}"


def test_openapi_document_is_valid_and_lists_every_api_route(app, client):
    spec = client.get("/api/v1/openapi.json").json
    validate(spec)
    documented = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint in (
            "api.openapi_json",
            "api.docs",
        ):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (method, path) in documented, (method, path)
    token_op = spec["paths"]["/api/v1/auth/token"]["post"]
    assert "username" in spec["components"]["schemas"]["TokenBody"]["properties"]
    assert "401" in token_op["responses"] and "429" in token_op["responses"]


def test_docs_page_renders(client):
    page = client.get("/api/v1/docs").get_data(as_text=True)
    assert "/api/v1/households" in page and "openapi.json" in page
