"""Account pages: sign-in back-off, admin actions, own password, re-authentication, expiry."""

from __future__ import annotations

import datetime as dt

from fastapi import FastAPI
from sqlalchemy import select, update

from hccrt.store import throttle
from hccrt.store.models import LoginSession, User, utcnow
from tests.web.conftest import PASSWORD, TestClient, sign_in

NEW_PASSWORD = "liver-dose-limit-42"


def _login_attempt(client: TestClient, username: str, password: str) -> int:
    page = client.get("/login")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token},
        follow_redirects=False,
    )
    return response.status_code


def _user_id(app: FastAPI, name: str) -> int:
    with app.state.sessions() as session:
        return int(session.scalar(select(User.id).where(User.username == name)))


def _age_sessions(app: FastAPI, **columns: dt.datetime) -> None:
    with app.state.sessions() as session:
        session.execute(update(LoginSession).values(**columns))
        session.commit()


def test_guessing_backs_off_and_admin_unlocks(app: FastAPI) -> None:
    with TestClient(app, base_url="http://127.0.0.1") as guesser:
        for _ in range(throttle.FREE_PER_NAME):
            assert _login_attempt(guesser, "viewer", "wrong password!") == 401
        page = guesser.get("/login")
        token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        refused = guesser.post(
            "/login", data={"username": "viewer", "password": PASSWORD, "csrf_token": token}
        )
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) <= throttle.FIRST_DELAY.total_seconds()
        assert "Too many failed sign-ins: wait" in refused.text
    with TestClient(app, base_url="http://127.0.0.1") as admin:
        csrf = sign_in(admin, "admin")
        users = admin.get("/admin/users").text
        assert "waiting until" in users
        viewer = _user_id(app, "viewer")
        response = admin.post(
            f"/admin/users/{viewer}/unlock", data={"csrf_token": csrf}, follow_redirects=False
        )
        assert response.status_code == 303
        events = admin.get("/api/audit", params={"username": "admin"}).json()
        assert events[0]["action"] == "unlock"
    with TestClient(app, base_url="http://127.0.0.1") as again:
        assert _login_attempt(again, "viewer", PASSWORD) == 303


def test_a_known_browser_signs_in_while_the_name_is_attacked(app: FastAPI) -> None:
    with TestClient(app, base_url="http://127.0.0.1") as own:
        sign_in(own, "admin")
        own.post("/logout", headers={"X-CSRF-Token": own.get("/api/session").json()["csrf_token"]})
        with TestClient(app, base_url="http://127.0.0.1") as attacker:
            for _ in range(throttle.FREE_PER_NAME + 1):
                _login_attempt(attacker, "admin", "wrong password!")
            assert _login_attempt(attacker, "admin", PASSWORD) == 429
        assert _login_attempt(own, "admin", PASSWORD) == 303


def test_admin_actions_through_the_pages(app: FastAPI, client: TestClient) -> None:
    csrf = sign_in(client, "admin")
    viewer = _user_id(app, "viewer")
    with TestClient(app, base_url="http://127.0.0.1") as other:
        sign_in(other, "viewer")
        assert (
            client.post(
                f"/admin/users/{viewer}/end-sessions", data={"csrf_token": csrf}
            ).status_code
            == 200
        )
        assert other.get("/api/session").status_code == 401
    for path, data in (
        (f"/admin/users/{viewer}/role", {"role": "clinician"}),
        (f"/admin/users/{viewer}/password", {"password": NEW_PASSWORD}),
        (f"/admin/users/{viewer}/active", {"active": "0"}),
        (f"/admin/users/{viewer}/active", {"active": "1"}),
    ):
        response = client.post(path, data={"csrf_token": csrf, **data}, follow_redirects=False)
        assert response.status_code == 303, (path, response.text[:200])
    with app.state.sessions() as session:
        user = session.get(User, viewer)
        assert user is not None
        assert (user.role, user.active) == ("clinician", True)
    actions = [e["action"] for e in client.get("/api/audit", params={"username": "admin"}).json()]
    assert actions[0] == "activate"
    assert {"deactivate", "end_sessions", "reset_password", "change_role"} <= set(actions)
    weak = client.post(
        f"/admin/users/{viewer}/password", data={"csrf_token": csrf, "password": "password1234"}
    )
    assert weak.status_code == 400
    assert "commonly used password" in weak.text
    no_csrf = client.post(f"/admin/users/{viewer}/active", data={"active": "0"})
    assert no_csrf.status_code == 403
    with TestClient(app, base_url="http://127.0.0.1") as clinician:
        token = sign_in(clinician, "clinician")
        assert (
            clinician.post(
                f"/admin/users/{viewer}/active", data={"csrf_token": token, "active": "0"}
            ).status_code
            == 403
        )


def test_own_password_change(app: FastAPI, client: TestClient) -> None:
    csrf = sign_in(client, "clinician")
    assert "Change password" in client.get("/account").text
    differ = client.post(
        "/account/password",
        data={
            "csrf_token": csrf,
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "repeat_password": "something else",
        },
    )
    assert "The two new passwords differ." in differ.text
    done = client.post(
        "/account/password",
        data={
            "csrf_token": csrf,
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "repeat_password": NEW_PASSWORD,
        },
    )
    assert done.status_code == 200
    assert "Password changed" in done.text
    with TestClient(app, base_url="http://127.0.0.1") as fresh:
        assert _login_attempt(fresh, "clinician", PASSWORD) == 401
        assert _login_attempt(fresh, "clinician", NEW_PASSWORD) == 303


def test_export_and_new_admin_need_a_recent_password(app: FastAPI, client: TestClient) -> None:
    csrf = sign_in(client, "admin")
    _age_sessions(app, password_checked_at=utcnow() - dt.timedelta(minutes=6))
    export = client.get("/uploads/1/export.zip", follow_redirects=False)
    assert export.status_code == 303
    assert export.headers["location"] == "/reauth?next=/uploads/1/export.zip"
    assert (
        client.get("/uploads/1/export.zip", headers={"Accept": "application/json"}).status_code
        == 401
    )
    new_admin = {"csrf_token": csrf, "username": "boss2", "password": NEW_PASSWORD, "role": "admin"}
    refused = client.post("/admin/users", data=new_admin, follow_redirects=False)
    assert refused.status_code == 303
    assert refused.headers["location"].startswith("/reauth")
    wrong = client.post(
        "/reauth", data={"csrf_token": csrf, "password": "not it at all", "next": "/"}
    )
    assert wrong.status_code == 401
    ok = client.post(
        "/reauth",
        data={"csrf_token": csrf, "password": PASSWORD, "next": "/admin/users"},
        follow_redirects=False,
    )
    assert (ok.status_code, ok.headers["location"]) == (303, "/admin/users")
    assert client.post("/admin/users", data=new_admin, follow_redirects=False).status_code == 303
    assert client.get("/uploads/1/export.zip").status_code == 404  # allowed now; no such upload
    actions = [e["action"] for e in client.get("/api/audit", params={"username": "admin"}).json()]
    assert {"reauth", "reauth_failed", "create"} <= set(actions)


def test_api_reauth(client: TestClient, app: FastAPI) -> None:
    csrf = sign_in(client, "physicist")
    _age_sessions(app, password_checked_at=utcnow() - dt.timedelta(minutes=6))
    headers = {"X-CSRF-Token": csrf}
    assert (
        client.post("/api/reauth", json={"password": "nope nope"}, headers=headers).status_code
        == 401
    )
    response = client.post("/api/reauth", json={"password": PASSWORD}, headers=headers)
    assert response.json() == {"reauthenticated_for_s": 300}


def test_idle_session_ends(client: TestClient, app: FastAPI) -> None:
    sign_in(client, "viewer")
    assert client.get("/api/session").status_code == 200
    _age_sessions(app, last_seen_at=utcnow() - dt.timedelta(minutes=31))
    assert client.get("/api/session").status_code == 401
