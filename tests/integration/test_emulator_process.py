"""The local stack's emulator process: AWS on a port, its /_local/ routes, and data kept across restarts,
with moto_patches' speed shortcuts off and on; and its DynamoDB requests served one at a time."""
import threading

import boto3
import pytest

from crmlocal.emulator import EmulatorProcess


def clients(url):
    kwargs = {"endpoint_url": url, "region_name": "us-east-1", "aws_access_key_id": "local",
              "aws_secret_access_key": "local"}
    return boto3.client("dynamodb", **kwargs), boto3.client("sesv2", **kwargs), boto3.client("ses", **kwargs)


@pytest.mark.parametrize("shortcuts", [False, True], ids=["shortcuts off", "shortcuts on"])
def test_serves_aws_keeps_data_and_reports(tmp_path, shortcuts):
    from tests.bench._emulator import free_port

    port = free_port()
    emulator = EmulatorProcess(port, "us-east-1", str(tmp_path), shortcuts=shortcuts).start()
    try:
        assert emulator.call("GET", "health")["moto"] == ("fixes+shortcuts" if shortcuts else "fixes")
        dynamodb, ses, ses_v1 = clients(emulator.url)
        dynamodb.create_table(TableName="kept", BillingMode="PAY_PER_REQUEST",
                              KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                              AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
        dynamodb.put_item(TableName="kept", Item={"id": {"S": "one"}, "n": {"N": "1"}})
        ses_v1.verify_domain_identity(Domain="example.com")
        ses.send_email(FromEmailAddress="talent@example.com", Destination={"ToAddresses": ["ada@example.org"]},
                       Content={"Raw": {"Data": b"From: talent@example.com\r\nTo: ada@example.org\r\n"
                                                b"Subject: Hello\r\n\r\nHi Ada\r\n"}})
        sent = emulator.call("GET", "outbox.json")["items"]
        assert [set(m["destinations"]) for m in sent] == [{"ada@example.org"}] and "Hi Ada" in sent[0]["raw_data"]
        stats = emulator.call("GET", "stats")
        assert stats["requests"] >= 4 and stats["by_operation"]["PutItem"] > 0
        assert emulator.call("DELETE", "stats")["requests"] >= 4 and emulator.call("GET", "stats")["requests"] == 0
    finally:
        assert emulator.stop() == 0  # saved and exited cleanly on SIGTERM

    again = EmulatorProcess(port, "us-east-1", str(tmp_path)).start()
    try:
        assert again.call("GET", "health")["restored_tables"] == 1
        dynamodb, _, _ = clients(again.url)
        assert dynamodb.get_item(TableName="kept", Key={"id": {"S": "one"}})["Item"]["n"] == {"N": "1"}
        assert len(again.call("GET", "outbox.json")["items"]) == 1
    finally:
        again.stop()


def test_dynamodb_requests_wait_for_the_one_in_progress():
    """moto answers requests in threads with no lock: a conditional write could interleave with another
    request. The emulator holds moto_patches.DYNAMODB_LOCK around each DynamoDB request; held here as a
    request in progress would hold it, the next request must wait for it."""
    from crmlocal.emulator import EmulatorServer
    from crmlocal.moto_patches import DYNAMODB_LOCK
    from tests.bench._emulator import free_port

    server = EmulatorServer("127.0.0.1", free_port()).start()
    try:
        dynamodb, _, _ = clients(f"http://127.0.0.1:{server.port}")
        dynamodb.create_table(TableName="locked", BillingMode="PAY_PER_REQUEST",
                              KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                              AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
        answered = threading.Event()

        def put():
            dynamodb.put_item(TableName="locked", Item={"id": {"S": "one"}})
            answered.set()

        with DYNAMODB_LOCK:
            writer = threading.Thread(target=put, daemon=True)
            writer.start()
            assert not answered.wait(1.0)
        assert answered.wait(30) and dynamodb.get_item(TableName="locked", Key={"id": {"S": "one"}})["Item"]
        writer.join(5)
        dynamodb.delete_table(TableName="locked")
    finally:
        server.stop()
