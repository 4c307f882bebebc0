"""`make run` keeps its data: Ctrl-C, start again on the same CRM_DATA_DIR, and nothing is lost:
confirmed people stay subscribed, and the link in an email sent before the restart still works.
"""
from __future__ import annotations

from .support import confirm_in_browser, confirm_link, sign_up_in_browser, unique_email


def test_a_restart_keeps_candidates_and_confirm_links(stack_factory, page):
    stack = stack_factory("restart")  # its own stack: restarting it disturbs no other test
    confirmed, pending = unique_email("kept"), unique_email("later")

    sign_up_in_browser(page, stack, confirmed)
    confirm_in_browser(page, confirm_link(stack.wait_for_email(confirmed), stack.url))
    sign_up_in_browser(page, stack, pending)
    link_sent_before_restart = confirm_link(stack.wait_for_email(pending), stack.url)
    assert [c["status"] for c in stack.candidates_with_email(pending)] == ["pending"]

    stack.restart()

    assert "(restored " in stack.banner(), stack.banner()
    found = stack.candidates_with_email(confirmed)
    assert len(found) == 1, found
    assert found[0]["status"] == "subscribed", found[0]
    assert found[0]["skills"] == ["python", "kubernetes"], found[0]
    assert [c["status"] for c in stack.candidates_with_email(pending)] == ["pending"]
    assert [m for m in stack.outbox() if pending in m["to"]], "the outbox lost the email sent before the restart"

    confirm_in_browser(page, link_sent_before_restart)
    assert [c["status"] for c in stack.candidates_with_email(pending)] == ["subscribed"]
