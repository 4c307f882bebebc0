"""Schemathesis against the local stack: every described route, generated requests, checked answers.

Checks: no answer is a 5xx, and every answer's status code, content type and body are those the
description (chalicelib/web/openapi.json) gives for the operation. Deterministic (fixed seed,
derandomized, no example database) and bounded (examples per operation), so a run takes the same
requests each time.
"""
from __future__ import annotations

import collections
import json

import pytest
import schemathesis
from schemathesis.config import SchemathesisConfig

from chalicelib.web.openapi import PATH

from .conftest import API_KEY, ATS_SECRET, BUILD
from .realistic import make_realistic

SEED = 20260101
FUZZ_EXAMPLES = 15  # per operation, after the coverage phase's boundary cases
CHECKS = ("not_a_server_error", "status_code_conformance", "content_type_conformance", "response_schema_conformance")


def config() -> SchemathesisConfig:
    return SchemathesisConfig.from_dict({
        "seed": SEED,
        # generation speed on a busy CI machine says nothing about the API
        "suppress-health-check": ["too_slow"],
        "headers": {"Authorization": f"Bearer {API_KEY}"},
        "request-timeout": 30,
        "generation": {"max-examples": FUZZ_EXAMPLES, "deterministic": True, "database": "none",
                       "no-shrink": True},
        "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
        # Chalice's local server (Python's http.server) answers TRACE and QUERY itself with 501, before the
        # app; API Gateway answers them itself too. Every other method reaches the app.
        "phases": {"coverage": {"unexpected-methods": ["get", "put", "post", "delete", "options", "patch"]}},
    })


# Loaded from the file at collection (no server needed); the stack's URL is given per call.
# POST /dev/tick is left out: it takes no input (every call is the same request) and runs every job on
# everything the other operations created, so its time grows with the run (over 30 s by the end).
schema = schemathesis.openapi.from_path(str(PATH), config=config()).exclude(path="/dev/tick")
STATUSES: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)


@pytest.fixture(scope="module", autouse=True)
def status_summary():
    """build/fuzz-statuses.json: the statuses each operation answered, to see what the run reached."""
    yield
    BUILD.mkdir(parents=True, exist_ok=True)
    (BUILD / "fuzz-statuses.json").write_text(json.dumps({k: dict(sorted(v.items())) for k, v in STATUSES.items()},
                                                         indent=1, sort_keys=True))


DESCRIBED_PATHS = set(json.loads(PATH.read_text(encoding="utf-8"))["paths"])


def routed_elsewhere(case) -> bool:
    """Whether a path parameter holds a fixed segment of a sibling path: a negative case of
    /campaigns/{campaign_id}/{action} (any action but the named ones) with action `test` is a request to
    POST /campaigns/{campaign_id}/test, another operation, generated and checked as that one."""
    return any(case.operation.path.replace("{" + name + "}", str(value)) in DESCRIBED_PATHS
               for name, value in (case.path_parameters or {}).items())


@schema.parametrize()
def test_every_route_answers_as_described(case, local_stack, seeds, sns_signer):
    if routed_elsewhere(case):
        return
    make_realistic(case, seeds, ats_secret=ATS_SECRET, sns_signer=sns_signer)
    response = case.call(base_url=local_stack.url)
    STATUSES[case.operation.label][response.status_code] += 1
    case.validate_response(response)
