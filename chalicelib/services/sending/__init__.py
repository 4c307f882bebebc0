"""The send path: what the send queue's worker does with each message, every email or text at most once.

    worker.py     SendWorker: routes a batch's messages; sends confirmation emails (one per message)
    pipeline.py   CampaignSender: a batch's campaign messages, chunk by chunk, as a pipeline; the deadline
    claims.py     read and decide a chunk again at send time; claim each send before it goes; release
    channels.py   render and send one email (SES) or text (SNS) through the ports; what it came to
    recorder.py   write a chunk's outcomes down: records, retries, deferrals, skips, sequence steps, stats

At most once: a send is claimed (a conditional put) before its channel is called, and the claim is
released only when the channel surely did not take it (a retryable refusal: throttling or an outage
that outlasted botocore's retries, the one retry policy, chalicelib/aws/clients.py); the person then
comes back through the queue. A crash after the channel took a message leaves the claim `claimed`:
never sent again. The channels are the ports of services/ports.py; chalicelib/wiring.py builds it all.
"""
