"""Everything stored in the emulated DynamoDB, for tests that look for leftovers."""
from chalicelib.aws.clients import client
from chalicelib.store.models import ALL_MODELS


def all_items() -> dict:
    dynamodb = client("dynamodb")
    found = {}
    for model in ALL_MODELS:
        name = model.Meta.table_name
        found[name] = [item for page in dynamodb.get_paginator("scan").paginate(TableName=name)
                       for item in page["Items"]]
    return found
