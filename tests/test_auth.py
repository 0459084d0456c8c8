"""Signing in with a session cookie and CSRF token, API tokens, throttling, deactivation."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import update

from pixelwise.db.models import ApiToken
from pixelwise.services.context import Context

from helpers import PASSWORD, bearer


def login(client: TestClient, email: str, password: str = PASSWORD) -> dict[str, object]:
    response = client.post("/api/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_login_sets_a_hardened_session_cookie_and_me_answers(
    client: TestClient, make_user: object
) -> None:
    user, _ = make_user()  # type: ignore[operator]
    response = client.post(
        "/api/auth/login", json={"email": user.email.upper(), "password": PASSWORD}
    )
    assert response.status_code == 200
    cookies = response.headers.get_list("set-cookie")
    session_cookie = next(c for c in cookies if c.startswith("pixelwise_session="))
    assert "HttpOnly" in session_cookie
    assert "samesite=lax" in session_cookie.lower()
    assert response.json()["user"]["email"] == user.email
    me = client.get("/api/me")
    assert me.status_code == 200
    assert me.json()["email"] == user.email


def test_unsafe_requests_with_a_cookie_need_the_csrf_token(
    client: TestClient, make_user: object
) -> None:
    user, _ = make_user()  # type: ignore[operator]
    csrf = str(login(client, user.email)["csrf_token"])
    refused = client.post("/api/tokens", json={"name": "ci"})
    assert refused.status_code == 403
    assert "X-CSRF-Token" in refused.json()["detail"]
    wrong = client.post("/api/tokens", json={"name": "ci"}, headers={"X-CSRF-Token": "nope"})
    assert wrong.status_code == 403
    created = client.post("/api/tokens", json={"name": "ci"}, headers={"X-CSRF-Token": csrf})
    assert created.status_code == 201


def test_logout_ends_the_session(client: TestClient, make_user: object) -> None:
    user, _ = make_user()  # type: ignore[operator]
    csrf = str(login(client, user.email)["csrf_token"])
    cookie = client.cookies.get("pixelwise_session")
    assert client.post("/api/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
    assert client.get("/api/me").status_code == 401
    # Replaying the old cookie does not bring the session back.
    client.cookies.set("pixelwise_session", str(cookie))
    assert client.get("/api/me").status_code == 401


def test_wrong_password_and_unknown_email_look_the_same(
    client: TestClient, make_user: object
) -> None:
    user, _ = make_user()  # type: ignore[operator]
    wrong = client.post("/api/auth/login", json={"email": user.email, "password": "not-it-at-all"})
    unknown = client.post(
        "/api/auth/login", json={"email": "nobody@x.org", "password": "whatever1"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"]
    assert wrong.headers["content-type"] == "application/problem+json"


def test_repeated_failures_for_one_account_are_throttled(
    client: TestClient, make_user: object
) -> None:
    user, _ = make_user()  # type: ignore[operator]
    for _ in range(5):
        response = client.post(
            "/api/auth/login", json={"email": user.email, "password": "bad-pass1"}
        )
        assert response.status_code == 401
    throttled = client.post("/api/auth/login", json={"email": user.email, "password": PASSWORD})
    assert throttled.status_code == 429
    retry_after = int(throttled.headers["retry-after"])
    assert 1 <= retry_after <= 900
    assert "try again" in throttled.json()["detail"]


def test_repeated_failures_from_one_address_are_throttled(
    client: TestClient, make_user: object
) -> None:
    for index in range(20):
        email = f"guess{index}@example.org"
        response = client.post("/api/auth/login", json={"email": email, "password": "bad-pass1"})
        assert response.status_code == 401
    user, _ = make_user()  # type: ignore[operator]
    blocked = client.post("/api/auth/login", json={"email": user.email, "password": PASSWORD})
    assert blocked.status_code == 429


def test_api_token_is_shown_once_and_stops_working_when_revoked(
    client: TestClient, make_user: object
) -> None:
    _, token = make_user()  # type: ignore[operator]
    created = client.post("/api/tokens", json={"name": "laptop"}, headers=bearer(token))
    assert created.status_code == 201
    secret = created.json()["token"]
    token_id = created.json()["info"]["id"]
    assert client.get("/api/me", headers=bearer(secret)).status_code == 200
    listed = client.get("/api/tokens", headers=bearer(token)).json()
    assert secret not in str(listed)
    assert any(item["prefix"] == secret[:10] for item in listed)
    revoked = client.delete(f"/api/tokens/{token_id}", headers=bearer(token))
    assert revoked.status_code == 200
    again = client.get("/api/me", headers=bearer(secret))
    assert again.status_code == 401
    assert "revoked" in again.json()["detail"]


def test_expired_token_is_refused(client: TestClient, ctx: Context, make_user: object) -> None:
    _, token = make_user()  # type: ignore[operator]
    created = client.post(
        "/api/tokens", json={"name": "short", "expires_in_days": 1}, headers=bearer(token)
    ).json()
    with ctx.database.transaction() as session:
        session.execute(
            update(ApiToken)
            .where(ApiToken.id == created["info"]["id"])
            .values(expires_at=ctx.now() - timedelta(minutes=1))
        )
    response = client.get("/api/me", headers=bearer(created["token"]))
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_malformed_authorization_header_is_a_clear_error(client: TestClient) -> None:
    response = client.get("/api/me", headers={"Authorization": "Token abc"})
    assert response.status_code == 422
    assert "Bearer" in response.json()["detail"]
    unknown = client.get("/api/me", headers=bearer("pxw_not-a-real-token"))
    assert unknown.status_code == 401


def test_deactivated_user_is_signed_out_everywhere(
    client: TestClient, make_user: object, admin_token: str
) -> None:
    user, token = make_user()  # type: ignore[operator]
    login(client, user.email)
    assert client.get("/api/me").status_code == 200
    response = client.patch(
        f"/api/users/{user.id}", json={"is_active": False}, headers=bearer(admin_token)
    )
    assert response.status_code == 200
    assert response.json()["is_active"] is False
    assert client.get("/api/me").status_code == 401
    assert client.get("/api/me", headers=bearer(token)).status_code == 401
    client.cookies.clear()
    relogin = client.post("/api/auth/login", json={"email": user.email, "password": PASSWORD})
    assert relogin.status_code == 401


def test_last_admin_cannot_be_demoted(
    client: TestClient, make_user: object, admin_token: str
) -> None:
    me = client.get("/api/me", headers=bearer(admin_token)).json()
    response = client.patch(
        f"/api/users/{me['id']}", json={"org_role": "member"}, headers=bearer(admin_token)
    )
    assert response.status_code == 409
    assert "last active organisation admin" in response.json()["detail"]


def test_change_own_password_needs_the_current_one(client: TestClient, make_user: object) -> None:
    user, token = make_user()  # type: ignore[operator]
    refused = client.patch(
        "/api/me",
        json={"password": "a-new-password", "current_password": "wrong"},
        headers=bearer(token),
    )
    assert refused.status_code == 422
    changed = client.patch(
        "/api/me",
        json={"password": "a-new-password", "current_password": PASSWORD},
        headers=bearer(token),
    )
    assert changed.status_code == 200
    login(client, user.email, "a-new-password")
