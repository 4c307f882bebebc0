"""Signs ATS webhook bodies as the contract says."""
import json
import time

SECRET = "test-ats-secret"


def signed(client, event: dict, *, secret: str = SECRET, at: int | None = None, tamper: bool = False):
    from chalicelib.domain.ats import signature

    raw = json.dumps(event).encode()
    stamp = int(time.time()) if at is None else at
    header = f"t={stamp},v1={signature(secret, stamp, raw)}"
    if tamper:
        raw = raw.replace(b"}", b" }", 1)
    return client.http.post("/webhooks/ats", headers={"Content-Type": "application/json", "X-CRM-Signature": header},
                            body=raw)
