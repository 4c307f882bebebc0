"""crmlocal/moto_patches.py must answer as DynamoDB and stock moto do, with its speed shortcuts off and on.

Each test runs twice (the `shortcuts` fixture turns the switch off, then on, after the `aws` fixture
installed the patches) and drives moto through boto3, checking the outcome a real table would give,
including the cases the shortcuts must leave to moto's own way.
"""
import gc

import boto3
import pytest
from botocore.exceptions import ClientError

from crmlocal import moto_patches

TABLE = "patch-check"


@pytest.fixture(autouse=True, params=["shortcuts off", "shortcuts on"])
def shortcuts(request, aws):
    on = request.param == "shortcuts on"
    moto_patches.use_shortcuts(on)
    yield on
    moto_patches.use_shortcuts(moto_patches.shortcuts_wanted())


@pytest.fixture
def table(aws):
    client = boto3.client("dynamodb", region_name="us-east-1")
    client.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"},
                                              {"AttributeName": "email", "AttributeType": "S"}],
                        GlobalSecondaryIndexes=[{"IndexName": "by_email", "Projection": {"ProjectionType": "ALL"},
                                                 "KeySchema": [{"AttributeName": "email", "KeyType": "HASH"}]}])
    client.put_item(TableName=TABLE, Item={"id": {"S": "p1"}, "email": {"S": "a@example.com"},
                                           "version": {"N": "1"}, "sends": {"L": [{"S": "t0"}]},
                                           "status": {"S": "subscribed"}})
    return client


def item(client, key="p1"):
    return client.get_item(TableName=TABLE, Key={"id": {"S": key}}, ConsistentRead=True).get("Item")


def update(client, expression, names, values, condition=None, key="p1", **extra):
    kwargs = {"TableName": TABLE, "Key": {"id": {"S": key}}, "UpdateExpression": expression,
              "ExpressionAttributeNames": names, "ExpressionAttributeValues": values, **extra}
    if condition:
        kwargs["ConditionExpression"] = condition
    return client.update_item(**kwargs)


def error_code(call):
    with pytest.raises(ClientError) as raised:
        call()
    return raised.value.response["Error"]["Code"]


def test_plain_set_and_add_with_a_condition(table):
    answer = update(table, "SET #s = :s ADD #v :one", {"#s": "sends", "#v": "version"},
                    {":s": {"L": [{"S": "t0"}, {"S": "t1"}]}, ":one": {"N": "1"}, ":v": {"N": "1"}},
                    condition="#v = :v", ReturnValues="ALL_NEW")
    assert answer["Attributes"]["version"] == {"N": "2"}
    stored = item(table)
    assert stored["sends"] == {"L": [{"S": "t0"}, {"S": "t1"}]} and stored["version"] == {"N": "2"}
    assert stored["email"] == {"S": "a@example.com"}  # untouched attributes stay


def test_a_failed_condition_changes_nothing(table):
    code = error_code(lambda: update(table, "SET #s = :s", {"#s": "status", "#v": "version"},
                                     {":s": {"S": "unsubscribed"}, ":v": {"N": "7"}}, condition="#v = :v"))
    assert code == "ConditionalCheckFailedException"
    assert item(table)["status"] == {"S": "subscribed"}


def test_add_to_a_missing_number_starts_from_zero(table):
    update(table, "ADD #n :five", {"#n": "opens"}, {":five": {"N": "5"}})
    update(table, "ADD #n :half", {"#n": "opens"}, {":half": {"N": "0.5"}})
    assert item(table)["opens"] == {"N": "5.5"}


def test_what_the_shortcut_leaves_to_moto(table):
    # an update that creates the item
    update(table, "SET #s = :s", {"#s": "status"}, {":s": {"S": "new"}}, key="p2")
    assert item(table, "p2") == {"id": {"S": "p2"}, "status": {"S": "new"}}
    # a key attribute: moto's validation error; an index key: moto's own update
    assert error_code(lambda: update(table, "SET #k = :k", {"#k": "id"}, {":k": {"S": "p9"}})) == "ValidationException"
    update(table, "SET #e = :e", {"#e": "email"}, {":e": {"S": "b@example.com"}})
    found = table.query(TableName=TABLE, IndexName="by_email", KeyConditionExpression="email = :e",
                        ExpressionAttributeValues={":e": {"S": "b@example.com"}})["Items"]
    assert [i["id"]["S"] for i in found] == ["p1"]
    # ADD of a number to a string, and the same attribute twice
    assert error_code(lambda: update(table, "ADD #s :one", {"#s": "status"}, {":one": {"N": "1"}})) == "ValidationException"
    assert error_code(lambda: update(table, "SET #a = :x, #a = :y", {"#a": "x"},
                                     {":x": {"S": "1"}, ":y": {"S": "2"}})) == "ValidationException"
    # arithmetic and functions
    update(table, "SET #v = #v + :one, #s = list_append(#s, :more)", {"#v": "version", "#s": "sends"},
           {":one": {"N": "1"}, ":more": {"L": [{"S": "t9"}]}})
    stored = item(table)
    assert stored["version"] == {"N": "2"} and stored["sends"] == {"L": [{"S": "t0"}, {"S": "t9"}]}


def test_a_transaction_with_updates_rolls_back_whole(table):
    bump = {"Update": {"TableName": TABLE, "Key": {"id": {"S": "p1"}}, "UpdateExpression": "ADD #v :one",
                       "ExpressionAttributeNames": {"#v": "version"}, "ExpressionAttributeValues": {":one": {"N": "1"}}}}
    check = {"ConditionCheck": {"TableName": TABLE, "Key": {"id": {"S": "p1"}}, "ConditionExpression": "attribute_exists(id)"}}
    claim = {"Put": {"TableName": TABLE, "Item": {"id": {"S": "claim"}}, "ConditionExpression": "attribute_not_exists(id)"}}
    # two actions on one item are refused as in DynamoDB; the claim and the update go through together
    assert error_code(lambda: table.transact_write_items(TransactItems=[bump, claim, check])) == "ValidationException"
    table.transact_write_items(TransactItems=[
        {"Update": {"TableName": TABLE, "Key": {"id": {"S": "p1"}}, "UpdateExpression": "ADD #v :one",
                    "ConditionExpression": "#st = :sub",
                    "ExpressionAttributeNames": {"#v": "version", "#st": "status"},
                    "ExpressionAttributeValues": {":one": {"N": "1"}, ":sub": {"S": "subscribed"}}}},
        {"Put": {"TableName": TABLE, "Item": {"id": {"S": "claim"}}, "ConditionExpression": "attribute_not_exists(id)"}}])
    assert item(table)["version"] == {"N": "2"} and item(table, "claim")
    # the claim exists now: the whole transaction fails and the update is undone
    code = error_code(lambda: table.transact_write_items(TransactItems=[
        {"Update": {"TableName": TABLE, "Key": {"id": {"S": "p1"}}, "UpdateExpression": "ADD #v :one",
                    "ExpressionAttributeNames": {"#v": "version"}, "ExpressionAttributeValues": {":one": {"N": "1"}}}},
        {"Put": {"TableName": TABLE, "Item": {"id": {"S": "claim"}}, "ConditionExpression": "attribute_not_exists(id)"}}]))
    assert code == "TransactionCanceledException"
    assert item(table)["version"] == {"N": "2"}


def test_item_size_limit_kept(table):
    big = "x" * 300_000
    update(table, "SET #a = :a", {"#a": "a"}, {":a": {"S": big}})
    assert error_code(lambda: update(table, "SET #b = :b", {"#b": "b"}, {":b": {"S": big}})) == "ValidationException"
    assert "b" not in item(table)
    assert error_code(lambda: table.put_item(TableName=TABLE, Item={"id": {"S": "p3"}, "a": {"S": big * 2}})) \
        == "ValidationException"


def test_conditions_parsed_once_still_check_each_item(table):
    for key, status in (("c1", "subscribed"), ("c2", "unsubscribed"), ("c3", "subscribed")):
        table.put_item(TableName=TABLE, Item={"id": {"S": key}, "status": {"S": status}})
    outcomes = []
    for key in ("c1", "c2", "c3"):
        try:
            table.delete_item(TableName=TABLE, Key={"id": {"S": key}}, ConditionExpression="#s = :s",
                              ExpressionAttributeNames={"#s": "status"},
                              ExpressionAttributeValues={":s": {"S": "subscribed"}})
            outcomes.append("deleted")
        except ClientError as exc:
            outcomes.append(exc.response["Error"]["Code"])
    assert outcomes == ["deleted", "ConditionalCheckFailedException", "deleted"]


def test_binary_values_and_pages_round_trip(table):
    payload = bytes(range(256))
    table.put_item(TableName=TABLE, Item={"id": {"S": "bin"}, "blob": {"B": payload}, "set": {"BS": [b"a", b"b"]}})
    stored = item(table, "bin")
    assert stored["blob"] == {"B": payload} and sorted(stored["set"]["BS"]) == [b"a", b"b"]
    got = table.batch_get_item(RequestItems={TABLE: {"Keys": [{"id": {"S": "bin"}}, {"id": {"S": "p1"}}]}})
    assert {i["id"]["S"] for i in got["Responses"][TABLE]} == {"bin", "p1"} and got["UnprocessedKeys"] == {}
    for n in range(7):
        table.put_item(TableName=TABLE, Item={"id": {"S": f"s{n}"}})
    seen, start = [], None
    while True:
        page = table.scan(TableName=TABLE, Limit=3, **({"ExclusiveStartKey": start} if start else {}))
        seen += [i["id"]["S"] for i in page["Items"]]
        start = page.get("LastEvaluatedKey")
        if not start:
            break
    assert len(seen) == len(set(seen)) == 9


def test_raw_email_recipients_come_from_its_headers(aws):
    """SES reads From/To/Cc/Bcc of a raw email; the emulator parses only its headers, not the parts."""
    from email.mime.multipart import MIMEMultipart
    from email.mime.text import MIMEText

    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    ses = boto3.client("sesv2", region_name="us-east-1")
    ses.create_email_identity(EmailIdentity="example.com")
    mime = MIMEMultipart("alternative")
    mime["From"] = "News <news@example.com>"
    mime["To"] = "Ada <ada@example.org>"
    mime["Cc"] = "cc@example.org"
    mime["Bcc"] = "Bea <bcc@example.org>, other@example.org"
    mime["Subject"] = "Hello"
    mime.attach(MIMEText("plain text", "plain"))
    mime.attach(MIMEText("<p>" + "html " * 2000 + "</p>", "html", "utf-8"))  # base64, several KB
    raw = mime.as_bytes()
    answer = ses.send_email(FromEmailAddress="news@example.com", Destination={"ToAddresses": ["ada@example.org"]},
                            Content={"Raw": {"Data": raw}})
    [sent] = [m for m in ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages if m.id == answer["MessageId"]]
    assert sent.destinations == ["ada@example.org", "Ada <ada@example.org>", "cc@example.org",
                                 "Bea <bcc@example.org>", "other@example.org"]
    assert sent.raw_data == raw.decode()  # kept as sent
    with pytest.raises(ClientError):  # an address moto rejects in a header is still rejected
        ses.send_email(FromEmailAddress="news@example.com", Destination={"ToAddresses": ["ada@example.org"]},
                       Content={"Raw": {"Data": raw.replace(b"cc@example.org", b"not-an-address")}})


def test_scan_pages_count_items_read_before_the_filter(table):
    for i in range(2, 12):
        table.put_item(TableName=TABLE, Item={"id": {"S": f"p{i}"}, "email": {"S": f"{i}@example.com"},
                                              "status": {"S": "pending" if i % 3 == 0 else "subscribed"},
                                              "blob": {"S": "x" * 150_000}})
    pages, found, start = [], [], None
    while True:
        kwargs = {"ExclusiveStartKey": start} if start else {}
        page = table.scan(TableName=TABLE, Limit=4, FilterExpression="#s = :p",
                          ExpressionAttributeNames={"#s": "status"}, ExpressionAttributeValues={":p": {"S": "pending"}},
                          **kwargs)
        pages.append((page["ScannedCount"], page["Count"]))
        found += [item["id"]["S"] for item in page["Items"]]
        start = page.get("LastEvaluatedKey")
        if not start:
            break
    assert sum(scanned for scanned, _ in pages) == 11  # every item read once, p1 included
    assert max(scanned for scanned, _ in pages) == 4
    assert sorted(found) == ["p3", "p6", "p9"] and sum(count for _, count in pages) == 3
    unlimited = table.scan(TableName=TABLE)  # 1 MB a page: p1 and six items of 150 KB, then the last key
    assert unlimited["ScannedCount"] == 7 and "LastEvaluatedKey" in unlimited


def replaced_methods():
    """The moto methods a shortcut replaces, and whether each is moto's own right now."""
    from moto.core import responses
    from moto.dynamodb.comparisons import ConditionExpressionParser
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.dynamo_type import Item
    from moto.dynamodb.models.table import Table
    from moto.dynamodb.responses import DynamoHandler
    from moto.ses import models as ses_models

    methods = [Table.scan, Table.query, DynamoDBBackend.update_item, Item.__init__, ConditionExpressionParser.parse,
               DynamoHandler.serialized, DynamoHandler.parse_parameters]
    owned = {m.__qualname__: m.__module__.startswith("moto.") for m in methods}
    owned["email"] = getattr(ses_models.email, "__name__", None) == "email"
    owned["method_names_from_class"] = not hasattr(responses.method_names_from_class, "cache_info")
    return owned


def test_the_switch_turns_every_shortcut_on_and_off_again(shortcuts):
    assert set(replaced_methods().values()) == {not shortcuts}
    assert (gc.get_threshold()[0] == 50_000) == shortcuts
    moto_patches.use_shortcuts(not shortcuts)
    assert set(replaced_methods().values()) == {shortcuts}
    moto_patches.use_shortcuts(shortcuts)
    assert set(replaced_methods().values()) == {not shortcuts} and moto_patches.shortcuts_on() == shortcuts


@pytest.mark.parametrize("updates", [0, 1, 3])
def test_a_transaction_copies_only_the_items_it_updates(table, monkeypatch, updates):
    """Stock moto deep-copies the whole table once per action (100 x N items for a 100-action transaction);
    the fix copies the items an Update changes in place, whatever the table holds."""
    from moto.dynamodb.models.dynamo_type import Item

    with_items = [{"PutRequest": {"Item": {"id": {"S": f"seed{n}"}, "n": {"N": str(n)}}}} for n in range(200)]
    for start in range(0, len(with_items), 25):
        table.batch_write_item(RequestItems={TABLE: with_items[start:start + 25]})
    copied = []
    original = Item.__deepcopy__
    monkeypatch.setattr(Item, "__deepcopy__", lambda self, memo: copied.append(self) or original(self, memo))
    actions = [{"Update": {"TableName": TABLE, "Key": {"id": {"S": f"seed{n}"}}, "UpdateExpression": "ADD #n :one",
                           "ExpressionAttributeNames": {"#n": "n"}, "ExpressionAttributeValues": {":one": {"N": "1"}}}}
               for n in range(updates)]
    actions += [{"Put": {"TableName": TABLE, "Item": {"id": {"S": f"new{n}"}}}} for n in range(10 - updates)]
    table.transact_write_items(TransactItems=actions)
    assert len(copied) <= 2 * updates  # the snapshot's copy, and (shortcuts off) moto's own old-item copy
    assert item(table, "seed0")["n"] == {"N": "1" if updates else "0"} and item(table, "new0")


@pytest.fixture
def partitioned(aws):
    """A table keyed (pk, sk) with an index on the same partition key and one on another attribute."""
    client = boto3.client("dynamodb", region_name="us-east-1")
    names = ("pk", "sk", "name_key", "city")
    client.create_table(
        TableName="partitioned", BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in names],
        GlobalSecondaryIndexes=[
            {"IndexName": "by_name", "Projection": {"ProjectionType": "ALL"},
             "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "name_key", "KeyType": "RANGE"}]},
            {"IndexName": "by_city", "Projection": {"ProjectionType": "KEYS_ONLY"},
             "KeySchema": [{"AttributeName": "city", "KeyType": "HASH"}]}])
    for i in range(40):
        item = {"pk": {"S": ("all", "skill#go", "skill#rust")[i % 3]}, "sk": {"S": f"2026-{i % 7:02d}#{i:03d}"},
                "n": {"N": str(i)}, "city": {"S": ("berlin", "paris")[i % 2]}}
        if i % 4:  # a sparse index: people without a name are not in by_name
            item["name_key"] = {"S": f"{(i * 7) % 11}#{i:03d}"}
        client.put_item(TableName="partitioned", Item=item)
    return client


def all_pages(client, **query):
    found, scanned, start = [], [], None
    while True:
        page = client.query(TableName="partitioned", **query, **({"ExclusiveStartKey": start} if start else {}))
        found += [item["sk"]["S"] for item in page["Items"]]
        scanned.append(page["ScannedCount"])
        start = page.get("LastEvaluatedKey")
        if not start:
            return found, scanned


@pytest.fixture(params=["order made per query", "order kept"])
def kept_order(request, monkeypatch):
    """Both ways a big partition is ordered with the shortcut on: sorted per query, or kept from the last."""
    monkeypatch.setattr(moto_patches, "SORTED_FROM", 1 if request.param == "order kept" else 10**9)


@pytest.mark.parametrize("query", [
    {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "skill#go"}}, "Limit": 4},
    {"KeyConditionExpression": "pk = :p AND begins_with(sk, :m)", "Limit": 3, "ScanIndexForward": False,
     "ExpressionAttributeValues": {":p": {"S": "all"}, ":m": {"S": "2026-03"}}},
    {"KeyConditionExpression": "pk = :p", "FilterExpression": "n > :n", "Limit": 5,
     "ExpressionAttributeValues": {":p": {"S": "skill#rust"}, ":n": {"N": "20"}}},
    {"IndexName": "by_name", "KeyConditionExpression": "pk = :p", "Limit": 2, "ScanIndexForward": False,
     "ExpressionAttributeValues": {":p": {"S": "all"}}},
    {"IndexName": "by_name", "KeyConditionExpression": "pk = :p AND name_key > :k",
     "ExpressionAttributeValues": {":p": {"S": "skill#go"}, ":k": {"S": "3"}}},
    {"IndexName": "by_city", "KeyConditionExpression": "city = :c", "Limit": 6,
     "ExpressionAttributeValues": {":c": {"S": "paris"}}},
    {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "nobody"}}},
])
def test_a_query_reads_the_partition_asked_for(partitioned, query, kept_order):
    """Same items, order, pages and counts with the shortcut as moto gives without it."""
    all_pages(partitioned, **query)  # an order kept from an earlier query is the one used next
    got = all_pages(partitioned, **query)
    on = moto_patches.shortcuts_on()
    moto_patches.use_shortcuts(not on)
    try:
        expected = all_pages(partitioned, **query)
    finally:
        moto_patches.use_shortcuts(on)
    assert got == expected
    if query.get("IndexName") == "by_city":  # grouped by city once; a write is seen by the next query
        partitioned.put_item(TableName="partitioned", Item={"pk": {"S": "all"}, "sk": {"S": "2027#new"},
                                                             "city": {"S": "paris"}})
        assert "2027#new" in all_pages(partitioned, **query)[0]
        partitioned.update_item(TableName="partitioned", Key={"pk": {"S": "all"}, "sk": {"S": "2027#new"}},
                                UpdateExpression="SET city = :c", ExpressionAttributeValues={":c": {"S": "rome"}})
        assert "2027#new" not in all_pages(partitioned, **query)[0]
    if query.get("IndexName") == "by_name" and query["ExpressionAttributeValues"][":p"]["S"] == "all":
        partitioned.put_item(TableName="partitioned", Item={"pk": {"S": "all"}, "sk": {"S": "0000#first"},
                                                             "name_key": {"S": "!first"}})
        assert all_pages(partitioned, **dict(query, ScanIndexForward=True))[0][0] == "0000#first"  # order made again
    values = query["ExpressionAttributeValues"]
    if values.get(":p", {}).get("S") == "skill#go" and "IndexName" not in query:
        assert len(got[0]) == 13 and got[0] == sorted(got[0])  # the whole partition, in key order
