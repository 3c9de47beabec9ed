"""Bounded fuzzing: Repository.deploy with random and mutated files, and the JSON API against its
own OpenAPI document with schemathesis. Both are limited by example count and a time budget."""
import time
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings, strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance
from sqlalchemy import func, select

from engine import Liandong, db
from engine.directory import DEMO_PASSWORD
from engine.errors import DeploymentError
from engine.models import Definition

pytest_plugins = ["tests.web_fixtures"]

DATA = Path(__file__).parent / "data"
GOOD = (DATA / "two_steps.bpmn").read_bytes()
LINES = GOOD.split(b"\n")


# --- Repository.deploy ------------------------------------------------------------------------
@st.composite
def mutated_bpmn(draw) -> bytes:
    """The valid test diagram with a few line- and byte-level changes."""
    lines = list(LINES)
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["drop", "duplicate", "swap", "garble", "truncate"]))
        if action == "drop":
            del lines[i]
        elif action == "duplicate":
            lines.insert(i, lines[i])
        elif action == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif action == "garble" and lines[i]:
            at = draw(st.integers(0, len(lines[i]) - 1))
            lines[i] = lines[i][:at] + draw(st.binary(min_size=1, max_size=8)) + lines[i][at + 1:]
        else:
            lines[i] = lines[i][: draw(st.integers(0, max(len(lines[i]) - 1, 0)))]
        if not lines:
            break
    return b"\n".join(lines)


FILES = st.one_of(
    st.binary(max_size=3000),
    st.text(max_size=2000).map(lambda t: t.encode("utf-8")),
    mutated_bpmn(),
    st.sampled_from([b"", b"<", b"<?xml version='1.0'?>", b"<bpmn:definitions/>", GOOD.replace(b"bpmn:", b"")]),
)


@pytest.fixture
def deploy_factory(tmp_path, engine_template):
    target = tmp_path / "fuzz.sqlite3"
    target.write_bytes(engine_template.read_bytes())
    eng = db.make_engine(f"sqlite:///{target}")
    yield db.session_factory(eng)
    eng.dispose()


def test_deploy_fuzz_only_succeeds_or_refuses_and_stores_nothing_when_refusing(deploy_factory, clock):
    budget = time.monotonic() + 25
    outcomes = {"deployed": 0, "refused": 0}

    @settings(max_examples=150, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(content=FILES, name=st.sampled_from(["fuzz.bpmn", "fuzz.dmn", "two_steps.bpmn", "fuzz.json"]))
    def deploy_once(content, name):
        if time.monotonic() > budget:
            return
        with deploy_factory() as session:
            session.begin()
            engine = Liandong(session, clock)
            before = session.scalar(select(func.count()).select_from(Definition))
            try:
                engine.repository.deploy([(name, content)], user="fuzz")
                outcomes["deployed"] += 1
            except DeploymentError as err:
                outcomes["refused"] += 1
                assert err.problems and err.message
                assert session.scalar(select(func.count()).select_from(Definition)) == before
            finally:
                session.rollback()

    deploy_once()
    assert sum(outcomes.values()) >= 100, outcomes  # the run really exercised deploy


# --- the JSON API against its OpenAPI document ------------------------------------------------
@pytest.mark.usefixtures("sample")
def test_api_fuzz_against_the_openapi_document(app, backdoor):
    """No 5xx, documented status codes, and bodies that match the document, for generated requests
    (valid and invalid) to every operation with a valid token: 20 examples each, 40 s in all."""
    matter = backdoor.start()
    backdoor.open_task(matter, "prepare")
    client = app.test_client()
    token = client.post("/api/v1/token", json={"id": "zhuling", "password": DEMO_PASSWORD}).get_json()["token"]
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    checks = (not_a_server_error, status_code_conformance, response_schema_conformance)
    budget = time.monotonic() + 40
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    exercised = 0
    for operation in operations:
        if time.monotonic() > budget:
            break
        if operation.path in ("/token", "/token/revoke"):
            continue  # failed guesses would lock the account; revoking would end the run's own token

        @settings(max_examples=20, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def call(case):
            if time.monotonic() > budget:
                return
            case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=checks)

        call()
        exercised += 1
    assert exercised >= 10
