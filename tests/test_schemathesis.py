"""Property-based run over the OpenAPI document: no generated request may get a 5xx."""

from __future__ import annotations

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings

from pixelwise.services import projects
from pixelwise.services.context import Actor, Context

from helpers import add_dataset_with_image, bearer

EXAMPLES = 15


@pytest.fixture
def api_schema(app: FastAPI) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_asgi("/api/openapi.json", app)


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture
def admin_with_project(ctx: Context, make_user: object) -> str:
    """An org admin's token, with a project (id 1) holding a dataset and an asset."""
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
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["detail"]
