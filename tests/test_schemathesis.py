"""Property-based run over the OpenAPI document: no generated request may get a 5xx."""

from __future__ import annotations

import tempfile

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from pixelwise.app import create_app
from pixelwise.services import projects
from pixelwise.services.context import Actor, Context
from pixelwise.settings import Settings

from helpers import add_dataset_with_image, bearer

EXAMPLES = 15

# The schema is read once from an app whose context each test swaps for its own (real,
# emptied) database, so generated requests hit the same code as any other test.
_HOME = tempfile.mkdtemp(prefix="pixelwise-fuzz-")
APP = create_app(Settings(home=_HOME, secret_key="fuzz", embedded_worker=False))  # type: ignore[arg-type]
schema = schemathesis.openapi.from_asgi("/api/openapi.json", APP)


@pytest.fixture
def admin_with_project(ctx: Context, make_user: object) -> str:
    """An org admin's token, with a project holding a dataset and an asset."""
    APP.state.context = ctx
    info, token = make_user("admin", email="fuzz-admin@example.org")  # type: ignore[operator]
    dataset_id, _, _ = add_dataset_with_image(ctx)
    actor = Actor(user_id=info.id, email=info.email, org_role=info.org_role)
    projects.create_project(ctx, actor, name="fuzzed", dataset_id=dataset_id)
    return str(token)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_no_request_gets_a_server_error(case: schemathesis.Case, admin_with_project: str) -> None:
    response = case.call(headers=bearer(admin_with_project))
    assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.text}"
    if response.status_code >= 400:
        content_type = response.headers.get("content-type")
        if isinstance(content_type, list):
            content_type = content_type[0]
        assert content_type == "application/problem+json", response.text
        assert response.json()["detail"]
