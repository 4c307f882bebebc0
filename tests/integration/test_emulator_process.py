"""The local stack's emulator process: AWS on a port, its /_local/ routes, and data kept across restarts."""
import boto3

from crmlocal.emulator import EmulatorProcess


def clients(url):
    kwargs = {"endpoint_url": url, "region_name": "us-east-1", "aws_access_key_id": "local",
              "aws_secret_access_key": "local"}
    return boto3.client("dynamodb", **kwargs), boto3.client("sesv2", **kwargs), boto3.client("ses", **kwargs)


def test_serves_aws_keeps_data_and_reports(tmp_path):
    from tests.bench._emulator import free_port

    port = free_port()
    emulator = EmulatorProcess(port, "us-east-1", str(tmp_path)).start()
    try:
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
