import json
from argparse import Namespace

import pytest


def fill_dead_letters(name: str, count: int) -> None:
    from chalicelib.aws.clients import client
    from chalicelib.aws.queue import queue_url

    for n in range(count):
        client("sqs").send_message(QueueUrl=queue_url(f"{name}-dlq"), MessageBody=json.dumps({"n": n}))


def bodies(name: str) -> list[int]:
    """The `n` of every message in the queue (taking them off it)."""
    from chalicelib.aws.clients import client
    from chalicelib.aws.queue import queue_url

    sqs, found = client("sqs"), []
    while messages := sqs.receive_message(QueueUrl=queue_url(name), MaxNumberOfMessages=10, VisibilityTimeout=300,
                                          WaitTimeSeconds=0).get("Messages"):
        found += [json.loads(m["Body"])["n"] for m in messages]
    return sorted(found)


def test_dead_letters_go_back_and_are_harmless(aws):
    from chalicelib.aws.queue import depth, redrive
    from crmcli.operators import _dlq
    from chalicelib.settings import get_settings

    name = get_settings().send_queue_name
    fill_dead_letters(name, 13)
    assert depth(f"{name}-dlq") == 13
    result = redrive(name)
    assert (result.moved, result.failed, result.not_deleted) == (13, 0, 0)
    assert depth(f"{name}-dlq") == 0 and depth(name) == 13
    assert _dlq(Namespace(action="status")) == 0


@pytest.fixture
def sqs_refusing(monkeypatch):
    """SQS (moto) that refuses the re-send of chosen messages in a batch, as SendMessageBatch may, or
    the deletion of chosen ones (DeleteMessageBatch's Failed list), or a whole batch."""
    from chalicelib.aws.clients import client

    sqs = client("sqs")
    refuse = {"send": set(), "delete": set(), "whole_batch_with": set()}
    real_send, real_delete = sqs.send_message_batch, sqs.delete_message_batch

    def send_message_batch(QueueUrl, Entries):
        numbers = {e["Id"]: json.loads(e["MessageBody"])["n"] for e in Entries}
        if refuse["whole_batch_with"] & set(numbers.values()):
            from botocore.exceptions import ClientError

            raise ClientError({"Error": {"Code": "AWS.SimpleQueueService.BatchRequestTooLong"}}, "SendMessageBatch")
        accepted = [e for e in Entries if numbers[e["Id"]] not in refuse["send"]]
        response = real_send(QueueUrl=QueueUrl, Entries=accepted) if accepted else {}
        response["Failed"] = [{"Id": e["Id"], "SenderFault": False, "Code": "InternalError", "Message": "try again"}
                              for e in Entries if numbers[e["Id"]] in refuse["send"]]
        return response

    def delete_message_batch(QueueUrl, Entries):
        kept = [e for e in Entries if bodies_by_handle.get(e["ReceiptHandle"]) in refuse["delete"]]
        deleted = [e for e in Entries if e not in kept]
        response = real_delete(QueueUrl=QueueUrl, Entries=deleted) if deleted else {"Successful": []}
        response["Failed"] = [{"Id": e["Id"], "SenderFault": False, "Code": "InternalError"} for e in kept]
        return response

    bodies_by_handle = refuse["handles"] = {}
    real_receive = sqs.receive_message

    def receive_message(**kwargs):
        response = real_receive(**kwargs)
        for m in response.get("Messages") or []:
            bodies_by_handle[m["ReceiptHandle"]] = json.loads(m["Body"])["n"]
        return response

    monkeypatch.setattr(sqs, "send_message_batch", send_message_batch)
    monkeypatch.setattr(sqs, "delete_message_batch", delete_message_batch)
    monkeypatch.setattr(sqs, "receive_message", receive_message)
    return refuse


@pytest.mark.parametrize("send, delete, whole_batch_with", [
    ({3}, set(), set()),  # one message of a batch of ten
    ({0, 5, 9, 12, 19, 20}, {2, 15}, set()),  # several, across batches; and some re-sent but not deleted
    (set(), set(), {4}),  # a whole batch refused (the call raised)
])
def test_redrive_deletes_only_what_was_re_sent(aws, sqs_refusing, capsys, send, delete, whole_batch_with):
    from crmcli.operators import _dlq
    from chalicelib.settings import get_settings

    name = get_settings().send_queue_name
    fill_dead_letters(name, 24)
    sqs_refusing.update(send=send, delete=delete, whole_batch_with=whole_batch_with)
    assert _dlq(Namespace(action="redrive", queue="send")) == 1
    out, err = capsys.readouterr()
    refused = set(send)
    if whole_batch_with:  # the batch holding that message: the first ten, the next ten or the last four
        refused = {n for n in range(24) for first in whole_batch_with if n // 10 == first // 10}
    assert f"moved {24 - len(refused) - len(delete)} message(s)" in out
    assert (f"{len(refused)} message(s) could not be re-sent" in err) == bool(refused)
    assert (f"{len(delete)} message(s) were re-sent but are still" in err) == bool(delete)
    sqs_refusing.update(send=set(), delete=set(), whole_batch_with=set())
    assert bodies(name) == sorted(set(range(24)) - refused)  # each re-sent once: nothing lost, nothing doubled
    visible_again(f"{name}-dlq", sqs_refusing["handles"])
    assert bodies(f"{name}-dlq") == sorted(refused | delete)  # what failed waits there for the next redrive


def visible_again(name: str, handles) -> None:
    from botocore.exceptions import ClientError

    from chalicelib.aws.clients import client
    from chalicelib.aws.queue import queue_url

    for handle in list(handles):
        try:
            client("sqs").change_message_visibility(QueueUrl=queue_url(name), ReceiptHandle=handle,
                                                    VisibilityTimeout=0)
        except ClientError:  # deleted
            pass
