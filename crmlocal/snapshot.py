"""Local persistence: the emulator's DynamoDB tables, Cognito user pools and SES outbox, saved to CRM_DATA_DIR.

Why a snapshot of the emulator rather than a separate DynamoDB-compatible server: the stack needs
nothing beyond pip (no Java, no Node), and the snapshot restores exactly what the emulator held.
The emulator process (crmlocal.emulator) writes it atomically every few seconds while
something changed, and on exit; queued messages are not kept (the runtime drains them at once).
It holds every person's data: the folder and the file are the owner's only (crmlocal.private).
"""
from __future__ import annotations

import os
import pickle
import threading
import time
from pathlib import Path

from .private import private_dir, private_file, write_private

FILE_NAME = "emulator-state.pickle"


def _backends(region: str):
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends
    from moto.ses.models import ses_backends

    return dynamodb_backends[DEFAULT_ACCOUNT_ID][region], ses_backends[DEFAULT_ACCOUNT_ID][region]


def _cognito(region: str):
    from moto.cognitoidp.models import cognitoidp_backends
    from moto.core import DEFAULT_ACCOUNT_ID

    return cognitoidp_backends[DEFAULT_ACCOUNT_ID][region]


# A user pool holds its signing key as a cryptography object, which cannot be pickled: the pool is kept
# without it and given moto's key again on restore (moto signs every pool's tokens with that one key).
_UNPICKLABLE = ("json_web_key",)


def _pools_state(region: str) -> dict:
    return {pool_id: {k: v for k, v in vars(pool).items() if k not in _UNPICKLABLE}
            for pool_id, pool in _cognito(region).user_pools.items()}


def _restore_pools(region: str, pools: dict) -> None:
    from joserfc import jwk
    from moto.cognitoidp.models import CognitoIdpUserPool
    from moto.utilities.utils import load_resource

    key = jwk.RSAKey.import_key(load_resource("cognitoidp/resources/jwks-private.json"))
    backend = _cognito(region)
    for pool_id, state in pools.items():
        pool = CognitoIdpUserPool.__new__(CognitoIdpUserPool)
        vars(pool).update(state)
        pool.json_web_key = key
        backend.user_pools[pool_id] = pool


class Snapshotter:
    def __init__(self, data_dir: str, region: str):
        self.path = Path(data_dir) / FILE_NAME
        self.region = region
        self._lock = threading.Lock()
        self.dirty = False

    def restore(self) -> int:
        """Loads the saved tables into the (empty) emulator. Returns how many tables came back."""
        private_dir(self.path.parent)
        if not self.path.exists():
            return 0
        private_file(self.path)
        import moto

        try:
            state = pickle.loads(self.path.read_bytes())
            if state.get("moto") != moto.__version__:
                print(f"[data] snapshot made with moto {state.get('moto')}, running {moto.__version__}: trying anyway")
            dynamodb, ses = _backends(self.region)
            dynamodb.tables.update(state["tables"])
            ses.sent_messages.extend(state.get("sent", []))
            _restore_pools(self.region, state.get("user_pools", {}))
            return len(state["tables"])
        except Exception as exc:  # never lose the file: keep it aside and start empty
            backup = self.path.with_suffix(f".unreadable-{int(time.time())}")
            os.replace(self.path, backup)
            private_file(backup)
            print(f"[data] could not restore {self.path} ({exc!r}); kept it as {backup}, starting empty")
            return 0

    def save(self) -> None:
        import moto

        from .moto_patches import DYNAMODB_LOCK

        with self._lock:
            dynamodb, ses = _backends(self.region)
            with DYNAMODB_LOCK:  # no request changes a table while it is copied
                self.dirty = False
                state = {"moto": moto.__version__, "tables": dict(dynamodb.tables), "sent": list(ses.sent_messages),
                         "user_pools": _pools_state(self.region)}
                data = pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)
            private_dir(self.path.parent)
            write_private(self.path, data)
