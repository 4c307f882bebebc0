"""Counts the DynamoDB items the app reads, from the responses themselves (botocore events)."""
from contextlib import contextmanager


class ReadCounter:
    def __init__(self):
        self.items = 0
        self.calls = 0

    def __call__(self, http_response=None, parsed=None, model=None, **kwargs):
        name = model.name if model is not None else ""
        if not isinstance(parsed, dict):
            return
        if name in ("Query", "Scan"):
            self.items += parsed.get("ScannedCount", parsed.get("Count", 0))
        elif name == "GetItem":
            self.items += 1 if parsed.get("Item") else 0
        elif name == "BatchGetItem":
            self.items += sum(len(v) for v in parsed.get("Responses", {}).values())
        elif name == "TransactGetItems":
            self.items += len(parsed.get("Responses", []))
        else:
            return
        self.calls += 1


@contextmanager
def counting_reads():
    """Every botocore client (PynamoDB's included) reports through the shared event system."""
    from chalicelib.store.connection import connection
    from chalicelib.store.models import MembershipModel

    counter = ReadCounter()
    clients = {id(c): c for c in (connection().client, MembershipModel._get_connection().connection.client)}
    for client in clients.values():
        client.meta.events.register("after-call.dynamodb", counter)
    try:
        yield counter
    finally:
        for client in clients.values():
            client.meta.events.unregister("after-call.dynamodb", counter)
