"""Team accounts through the local stack as a new team meets them: the banner's admin signs in, invites a
member (the invitation lands in the outbox), the member survives a restart (Cognito's pool is kept with the
tables), and `crm apikey create --user` makes a key that acts with that member's role."""
import json
import re
import urllib.error
import urllib.request

from tests.app.helpers import text_part
from tests.app.test_small_holes import StackProcess


def call(stack, method, path, payload=None, bearer=None):
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {bearer}"} if bearer else {})}
    request = urllib.request.Request(f"http://127.0.0.1:{stack.port}{path}", method=method, headers=headers,
                                     data=json.dumps(payload).encode() if payload is not None else None)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=20) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def test_admin_invites_a_member_who_signs_in_after_a_restart_and_owns_a_key(tmp_path):
    stack = StackProcess(tmp_path / "data", tmp_path / "stack.log")
    try:
        stack.start()
        banner = stack.log.read_text()
        email, password = re.search(r"Admin +(\S+) +password: (\S+)", banner).groups()
        status, signed = call(stack, "POST", "/auth/sign-in", {"email": email, "password": password})
        assert status == 200 and signed["user"]["role"] == "admin", signed
        admin = signed["token"]

        status, member = call(stack, "POST", "/users", {"email": "nina@example.com", "name": "Nina",
                                                        "role": "viewer"}, admin)
        assert status == 201 and member["status"] == "invited"
        _, outbox = call(stack, "GET", "/dev/outbox.json", bearer=admin)
        [invitation] = [m for m in outbox["items"] if "nina@example.com" in m["to"]]
        temporary = re.search(r"Temporary password: (\S+)", text_part(invitation["raw"])).group(1)
        _, challenge = call(stack, "POST", "/auth/sign-in", {"email": "nina@example.com", "password": temporary})
        status, _ = call(stack, "POST", "/auth/new-password", {"email": "nina@example.com", "new_password":
                                                               "Nina-chose-this-1", "session": challenge["session"]})
        assert status == 200
        stack.stop()

        stack.start()
        status, again = call(stack, "POST", "/auth/sign-in", {"email": "nina@example.com",
                                                              "password": "Nina-chose-this-1"})
        assert status == 200 and again["user"]["id"] == member["id"]
        out = stack.cli("apikey", "create", "--name", "Nina's script", "--user", "nina@example.com")
        key = re.search(r"key: +(crm_\S+)", out).group(1)
        assert "acts as: nina@example.com (viewer)" in out
        assert call(stack, "GET", "/me", bearer=key)[1]["role"] == "viewer"
        assert call(stack, "POST", "/candidates", {"email": "x@example.com"}, key)[0] == 403
        assert "nina@example.com" in stack.cli("apikey", "list")
    finally:
        stack.stop()
