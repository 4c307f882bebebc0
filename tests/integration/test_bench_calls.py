"""The benchmark's call counter (tests/bench/calls.py) sees boto3's and PynamoDB's calls, through
clients built before it was installed and after, and stops seeing them once uninstalled."""
import gc
import threading

import pytest

from tests.bench.calls import HANDLERS, CallCounter


def in_a_new_thread(work):
    """PynamoDB builds a botocore session per thread: a new thread, a client built after install."""
    done: list = []
    thread = threading.Thread(target=lambda: done.append(work()))
    thread.start()
    thread.join()
    return done[0]


@pytest.fixture
def counter():
    found = CallCounter()
    yield found
    found.uninstall()


@pytest.fixture
def frozen():
    """What exists now out of the collector's sight, as app.py leaves what it loaded (gc_tuning.py)."""
    before = gc.get_freeze_count()
    gc.freeze()
    yield
    if not before:
        gc.unfreeze()


def test_boto3_and_pynamodb_calls_are_counted_until_uninstalled(aws, counter, request):
    import boto3
    from botocore import handlers

    from chalicelib.aws.clients import client
    from chalicelib.settings import get_settings
    from chalicelib.store.keys import KeyRepository

    keys = KeyRepository()
    keys.put("bench#a", ref="a")  # PynamoDB's client for this thread, and boto3's, exist before install
    table = client("dynamodb").list_tables()["TableNames"][0]
    request.getfixturevalue("frozen")

    counter.install()
    client("dynamodb").describe_table(TableName=table)
    assert keys.get("bench#a")["ref"] == "a" and keys.get("bench#none") is None
    fresh = boto3.session.Session().client("dynamodb", region_name=get_settings().region)
    fresh.list_tables()
    in_a_new_thread(lambda: keys.get("bench#a"))
    with pytest.raises(fresh.exceptions.ResourceNotFoundException):
        fresh.get_item(TableName="no-such-table", Key={"pk": {"S": "x"}})

    assert counter.snapshot("dynamodb") == {"DescribeTable": 1, "GetItem": 4, "ListTables": 1}
    assert counter.total() == 6
    assert counter.reads == {"GetItem": 3} and counter.items_total() == 2  # the refused one read nothing
    assert set(counter.answered_at) == {("dynamodb", "DescribeTable"), ("dynamodb", "GetItem"),
                                        ("dynamodb", "ListTables")}

    counter.paused = True
    keys.get("bench#a")
    counter.paused = False
    counter.uninstall()
    keys.get("bench#a")
    fresh.list_tables()
    in_a_new_thread(lambda: keys.get("bench#a"))
    boto3.session.Session().client("dynamodb", region_name=get_settings().region).list_tables()
    assert counter.total() == 6
    assert not [spec for spec in HANDLERS if spec in handlers.BUILTIN_HANDLERS]


def test_labels_come_from_the_calling_stack(aws, counter):
    from chalicelib.store.keys import KeyRepository

    def classify(frame):
        while frame is not None:
            if frame.f_code.co_name == "from_the_helper":
                return ("helper",)
            frame = frame.f_back
        return ("other",)

    def from_the_helper():
        return KeyRepository().get("bench#none")

    counter.classify = classify
    counter.install()
    from_the_helper()
    KeyRepository().get("bench#none")
    assert counter.labelled == {"helper": {("dynamodb", "GetItem"): 1}, "other": {("dynamodb", "GetItem"): 1}}
    counter.start()
    assert counter.total() == 0 and not counter.labelled


def test_two_counters_count_independently(aws, counter):
    from chalicelib.store.keys import KeyRepository

    counter.install()
    other = CallCounter().install()
    try:
        KeyRepository().get("bench#none")
        other.uninstall()
        KeyRepository().get("bench#none")
    finally:
        other.uninstall()
    assert (counter.total(), other.total()) == (2, 1)
