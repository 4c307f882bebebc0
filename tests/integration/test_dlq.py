def test_dead_letters_go_back_and_are_harmless(aws):
    import json

    from chalicelib.aws.clients import client
    from chalicelib.aws.queue import depth, queue_url, redrive
    from argparse import Namespace

    from chalicelib.cli import _dlq
    from chalicelib.settings import get_settings

    name = get_settings().send_queue_name
    sqs = client("sqs")
    for n in range(13):
        sqs.send_message(QueueUrl=queue_url(f"{name}-dlq"), MessageBody=json.dumps({"n": n}))
    assert depth(f"{name}-dlq") == 13
    assert redrive(name) == 13
    assert depth(f"{name}-dlq") == 0 and depth(name) == 13
    assert _dlq(Namespace(action="status")) == 0
