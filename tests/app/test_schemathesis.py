"""Schemathesis against ``/openapi.json``: generated requests never get a server error.

Requests are authenticated with an API token of a project owner, and path ids point at a
real project, document and pair (except for deletions, which get generated ids), so bodies
and query strings are fuzzed against real rows, not only against "not found". Bounded: a
handful of examples per operation.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from app.config import Settings
from app.main import create_app
from app.models import User
from app.services.accounts import create_token
from tests.app.team import make_team
from tests.conftest import migrate

_DATA = Path(tempfile.mkdtemp(prefix="sverka-schemathesis-"))
_URL = f"sqlite:///{_DATA / 'api.sqlite3'}"
migrate(_URL)
APP = create_app(
    Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=_URL,
        data_dir=_DATA,
        environment="test",
        run_jobs_in_process=False,
    )
)
TEAM = make_team(APP)
with APP.state.session_factory() as _session, _session.begin():
    _owner = _session.get(User, TEAM.users["owner"].id)
    assert _owner is not None
    TOKEN = create_token(_session, _owner, "schemathesis").secret

REAL_IDS = {
    "project_id": TEAM.project_id,
    "document_id": TEAM.document_id,
    "pair_id": TEAM.pair_ids[1],
    "user_id": TEAM.users["viewer"].id,
}

schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@schema.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_server_errors(case: schemathesis.Case) -> None:
    if case.method.upper() != "DELETE" and case.path_parameters:
        for name in case.path_parameters:
            if name in REAL_IDS:
                case.path_parameters[name] = REAL_IDS[name]
    case.call_and_validate(
        headers={"Authorization": f"Bearer {TOKEN}"}, checks=[not_a_server_error]
    )
