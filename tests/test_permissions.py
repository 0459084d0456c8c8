"""The permission table, and a walk over every route of the app for every kind of caller."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from pixelwise.api.deps import route_action
from pixelwise.domain.permissions import (
    ALLOWED,
    DATA_DOWNLOADS,
    SCOPES,
    Action,
    OrgRole,
    Principal,
    ProjectRole,
    Scope,
    is_allowed,
    principal_for,
)
from pixelwise.services import jobs, projects, tokens
from pixelwise.services.context import Actor, Context

from helpers import add_dataset_with_image, bearer


def test_annotators_and_reviewers_never_download_data() -> None:
    for action in DATA_DOWNLOADS:
        assert not is_allowed(action, Principal.ANNOTATOR)
        assert not is_allowed(action, Principal.REVIEWER)
        assert not is_allowed(action, Principal.MEMBER)
        assert not is_allowed(action, Principal.ANONYMOUS)


def test_org_admin_may_do_everything_and_anonymous_only_public_things() -> None:
    for action, allowed in ALLOWED.items():
        assert Principal.ORG_ADMIN in allowed
        assert (Principal.ANONYMOUS in allowed) == (SCOPES[action] is Scope.PUBLIC)


def test_project_roles_do_not_matter_outside_projects() -> None:
    for action, scope in SCOPES.items():
        if scope is Scope.PROJECT:
            continue
        member = is_allowed(action, Principal.MEMBER)
        for role in (Principal.ANNOTATOR, Principal.REVIEWER, Principal.PROJECT_ADMIN):
            assert is_allowed(action, role) == member, action
        role_for_annotator = principal_for(
            scope, signed_in=True, org_role=OrgRole.MEMBER, project_role=ProjectRole.ANNOTATOR
        )
        assert role_for_annotator is Principal.MEMBER


@dataclass
class Persona:
    principal: Principal
    token: str | None
    token_id: int | None


@dataclass
class World:
    dataset_id: int
    project_id: int
    asset_id: int
    victim_id: int
    job_id: int
    personas: list[Persona]


def build_world(ctx: Context, make_user: object, serial: int) -> World:
    """A project with a dataset and an asset, one user per principal, a victim and a job."""
    create = make_user  # (org_role, email) -> (UserInfo, token)
    org_admin, admin_token = create("admin", email=f"oa{serial}@example.org")  # type: ignore[operator]
    admin_actor = Actor(user_id=org_admin.id, email=org_admin.email, org_role=OrgRole.ADMIN)
    dataset_id, asset_id, _ = add_dataset_with_image(ctx, name=f"d{serial}")
    project = projects.create_project(ctx, admin_actor, name=f"p{serial}", dataset_id=dataset_id)
    personas = [Persona(Principal.ANONYMOUS, None, None)]
    for principal, role in (
        (Principal.MEMBER, None),
        (Principal.ANNOTATOR, ProjectRole.ANNOTATOR),
        (Principal.REVIEWER, ProjectRole.REVIEWER),
        (Principal.PROJECT_ADMIN, ProjectRole.ADMIN),
    ):
        user, token = create("member", email=f"{principal}{serial}@example.org")  # type: ignore[operator]
        if role is not None:
            projects.set_member(ctx, admin_actor, project.id, user.id, role)
        personas.append(Persona(principal, token, _token_id(ctx, user.id)))
    personas.append(Persona(Principal.ORG_ADMIN, admin_token, _token_id(ctx, org_admin.id)))
    victim, _ = create("member", email=f"victim{serial}@example.org")  # type: ignore[operator]
    projects.set_member(ctx, admin_actor, project.id, victim.id, ProjectRole.ANNOTATOR)
    job = jobs.start_job(ctx, admin_actor, "system.probe", {"steps": 1, "delay_seconds": 0})
    return World(dataset_id, project.id, asset_id, victim.id, job.id, personas)


def _token_id(ctx: Context, user_id: int) -> int:
    actor = Actor(user_id=user_id)
    return tokens.list_tokens(ctx, actor)[0].id


def fill_path(path: str, world: World, persona: Persona) -> str:
    values = {
        "project_id": world.project_id,
        "dataset_id": world.dataset_id,
        "asset_id": world.asset_id,
        "user_id": world.victim_id,
        "job_id": world.job_id,
        "token_id": persona.token_id or 1,
        "name": "swagger-ui.css",
        "index": 0,
        "instruction_id": 1,
        "version": 1,
        "item_id": 1,
        "revision": 0,
        "export_id": world.job_id,
        "file_name": "part-00000.json",
    }

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in values, f"the route walk has no value for path parameter {{{name}}}"
        return str(values[name])

    return re.sub(r"\{(\w+)(?::\w+)?\}", value, path)


def _flatten(routes: list[Any], prefix: str = "") -> list[tuple[str, Any]]:
    """(full path, route) of every route, looking inside included routers."""
    found: list[tuple[str, Any]] = []
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:  # newer FastAPI keeps included routers as one entry
            context = getattr(route, "include_context", None)
            found += _flatten(inner.routes, prefix + getattr(context, "prefix", ""))
        else:
            found.append((prefix + route.path, route))
    return found


def all_routes(app: FastAPI) -> list[tuple[str, APIRoute]]:
    routes = []
    for path, route in _flatten(list(app.routes)):
        assert isinstance(route, APIRoute), f"{route} is not an API route: it escapes the table"
        routes.append((path, route))
    assert len(routes) >= 20
    return routes


def test_every_route_declares_one_action(app: FastAPI) -> None:
    used = set()
    for path, route in all_routes(app):
        action = route_action(route)
        assert action is not None, f"{route.methods} {path} declares no Permit(action)"
        used.add(action)
    # Actions that no route uses yet must be ones whose routes are still to come.
    assert set(Action) - used <= {Action.EXPORT_DOWNLOAD}


def test_every_route_answers_every_principal_as_the_table_says(
    app: FastAPI, client: TestClient, ctx: Context, make_user: object
) -> None:
    checked = 0
    for serial, (route_path, route) in enumerate(all_routes(app)):
        action = route_action(route)
        assert action is not None
        world = build_world(ctx, make_user, serial)
        for method in sorted(route.methods):
            for persona in world.personas:
                path = fill_path(route_path, world, persona)
                headers = bearer(persona.token) if persona.token else {}
                kwargs = {"json": {}} if method in {"POST", "PUT", "PATCH"} else {}
                response = client.request(method, path, headers=headers, **kwargs)
                where = f"{method} {route_path} as {persona.principal} ({action})"
                assert response.status_code < 500, (
                    f"{where}: {response.status_code} {response.text}"
                )
                if is_allowed(action, persona.principal):
                    assert response.status_code not in (401, 403), f"{where}: {response.text}"
                elif persona.principal is Principal.ANONYMOUS:
                    assert response.status_code == 401, f"{where}: {response.status_code}"
                else:
                    assert response.status_code == 403, f"{where}: {response.status_code}"
                checked += 1
    assert checked >= 6 * 20


def test_annotator_views_but_cannot_download_the_original(
    client: TestClient, ctx: Context, make_user: object
) -> None:
    world = build_world(ctx, make_user, 999)
    annotator = next(p for p in world.personas if p.principal is Principal.ANNOTATOR)
    assert annotator.token is not None
    base = f"/api/projects/{world.project_id}/assets/{world.asset_id}"
    view = client.get(f"{base}/view", headers=bearer(annotator.token))
    assert view.status_code == 200
    assert view.content.startswith(b"\x89PNG")
    download = client.get(f"{base}/original", headers=bearer(annotator.token))
    assert download.status_code == 403
    assert download.headers["content-type"] == "application/problem+json"
    assert "asset.download" in download.json()["detail"]
    admin = next(p for p in world.personas if p.principal is Principal.PROJECT_ADMIN)
    assert admin.token is not None
    original = client.get(f"{base}/original", headers=bearer(admin.token))
    assert original.status_code == 200
    assert original.headers["content-disposition"].startswith("attachment")
    assert original.content == view.content


@pytest.mark.parametrize("principal", list(Principal))
def test_principal_for_is_total(principal: Principal) -> None:
    assert principal in {
        principal_for(scope, signed_in=s, org_role=o, project_role=r)
        for scope in Scope
        for s in (True, False)
        for o in (None, *OrgRole)
        for r in (None, *ProjectRole)
    }
