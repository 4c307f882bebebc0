"""Shared steps for route tests."""
import json
import re
import sys
from email import message_from_string, policy
from urllib.parse import urlencode

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def form(client, fields: dict, headers: dict | None = None):
    return client.http.post("/signups", headers={**FORM, **(headers or {})}, body=urlencode(fields, doseq=True))


def tick():
    from crmlocal.runtime import tick as run_tick

    return run_tick(sys.modules["app"])


def outbox():
    from crmlocal.outbox import outbox as items

    return items()


def text_part(raw: str) -> str:
    return message_from_string(raw, policy=policy.default).get_body(preferencelist=("plain",)).get_content()


def decoded(raw: str) -> str:
    """Headers and both parts of a MIME message, transfer encoding undone: what a reader sees."""
    message = message_from_string(raw, policy=policy.default)
    head = "".join(f"{name}: {value}\n" for name, value in message.items())
    parts = [message.get_body(preferencelist=(kind,)) for kind in ("plain", "html")]
    return head + "\n".join(part.get_content() for part in parts if part is not None)


def confirm_link(email: str) -> str:
    tick()
    for item in outbox():
        if email in item["to"]:
            return re.search(r"https?://\S+/signups/confirm\?token=\S+", text_part(item["raw"])).group(0)
    raise AssertionError(f"no email to {email}")


def body(response):
    return json.loads(response.body)


WORKSPACE_FORM = {"Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": "same-origin"}


def workspace_session(client, email: str = "admin@example.com", password: str = "Test-admin-password-1") -> dict:
    """Headers of a signed-in workspace browser: the session cookie, and Sec-Fetch-Site as a browser sends it on
    our own pages (changes through the cookie need it). Add WORKSPACE_FORM's Content-Type for a form POST."""
    answer = client.http.post("/dashboard/sign-in", headers={"Content-Type": "application/x-www-form-urlencoded"},
                              body=urlencode({"email": email, "password": password}))
    assert answer.status_code == 303, answer.body
    return {"Cookie": answer.headers["Set-Cookie"].split(";")[0], "Sec-Fetch-Site": "same-origin"}


def fixed_clock(monkeypatch, at) -> dict:
    """The app's clock held at `at` (change `clock["at"]` to move it). Every app module is imported first: one
    imported while the clock is patched would keep the patched function for good (`from .clock import utcnow`)."""
    import importlib
    import pkgutil

    import chalicelib

    for module in pkgutil.walk_packages(chalicelib.__path__, "chalicelib."):
        importlib.import_module(module.name)
    clock = {"at": at}
    for name in ("chalicelib.domain.clock", "chalicelib.services.scheduler"):  # the send path reads domain.clock
        monkeypatch.setattr(f"{name}.utcnow", lambda: clock["at"])
    return clock
