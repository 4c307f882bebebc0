"""The cost model's arithmetic (tests/bench/cost.py): item sizes and request units as DynamoDB counts them."""
from tests.bench.cost import CapacityCounter, item_size, value_size


def test_sizes_follow_dynamodb_rules():
    assert value_size({"S": "héllo"}) == 6  # UTF-8 bytes
    assert value_size({"N": "12345"}) == 4  # 5 significant digits: 3 bytes + 1
    assert value_size({"BOOL": True}) == 1 and value_size({"NULL": True}) == 1
    assert value_size({"L": [{"S": "ab"}, {"N": "1"}]}) == 3 + (2 + 1) + (2 + 1)
    assert item_size({"pk": {"S": "abc"}, "tags": {"SS": ["x", "yz"]}}) == 2 + 3 + 4 + 3


def answer(counter: CapacityCounter, operation: str, params: dict, parsed: dict | None = None) -> None:
    counter._answer("dynamodb", operation, params, {} if parsed is None else parsed)


def test_transactions_count_double_and_sizes_round_up():
    counter = CapacityCounter()
    big = {"pk": {"S": "p1"}, "blob": {"S": "x" * 1500}}  # 1,506 bytes: 2 units
    answer(counter, "TransactWriteItems", {"TransactItems": [
        {"Put": {"TableName": "crm-local-sends", "Item": big}},
        {"Update": {"TableName": "crm-local-candidates", "Key": {"id": {"S": "c1"}},
                    "ExpressionAttributeValues": {":v": {"N": "2"}}}}]})
    assert counter.wru == {"sends": 4, "candidates": 2}


def test_updates_cost_the_item_as_last_read():
    counter = CapacityCounter()
    person = {"id": {"S": "c1"}, "bio": {"S": "y" * 3000}}
    answer(counter, "BatchGetItem", {"RequestItems": {"crm-local-candidates": {}}},
           {"Responses": {"crm-local-candidates": [person]}})
    assert counter.rru["candidates"] == 0.5  # eventually consistent, under 4 KB
    answer(counter, "UpdateItem", {"TableName": "crm-local-candidates", "Key": {"id": {"S": "c1"}}})
    assert counter.wru["candidates"] == 3  # 3,005 bytes as read
    assert counter.estimated == 0


def test_query_units_are_per_call_over_the_items_read():
    counter = CapacityCounter()
    items = [{"pk": {"S": "all"}, "sk": {"S": f"{i:04d}"}, "v": {"S": "z" * 90}} for i in range(100)]
    answer(counter, "Query", {"TableName": "crm-local-browse"}, {"Items": items, "ScannedCount": 100})
    assert counter.rru["browse"] == 0.5 * 3  # ~10 KB in one call: 3 x 4 KB, eventually consistent
