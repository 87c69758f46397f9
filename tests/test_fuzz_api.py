"""Fuzzing the JSON API from its own OpenAPI document (schemathesis + Hypothesis).

Every operation gets generated requests with a valid admin token: no response may be a 5xx,
and every response must conform to the document (status codes, content types, schemas,
authentication enforced). Semantic rules that the document does not spell out (a name must
not be empty, a cursor must be one we issued) may answer 400 to schema-valid input, so the
"positive data acceptance" check is left out.
The number of generated cases is printed at the end of the run.
"""

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

CASES = {"count": 0}
EXAMPLES_PER_OPERATION = 30


def test_api_never_fails_and_matches_its_document(
    app, village, make_user, token_for, make_resident
):
    make_resident(village, name="张建国")
    headers = {
        **token_for(make_user(village, roles=["admin", "supervisor"])),
        "Accept-Encoding": "identity",  # the WSGI transport does not decompress
    }
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.method.upper() == "DELETE" and operation.path == "/api/v1/auth/token":
            continue  # would revoke the token the other cases use
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case):
            CASES["count"] += 1
            response = case.call(headers=headers)
            if response.status_code >= 500:
                failures.append(
                    (case.method, case.formatted_path, response.status_code, response.text[:200])
                )
                return
            case.validate_response(
                response, headers=headers, excluded_checks=[positive_data_acceptance]
            )

        check()
    assert operations >= 8
    assert not failures, failures[:5]
