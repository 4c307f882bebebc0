"""Finding 6: a subscriber's choices on their own preference page are their own activity, and a pause they chose is
respected: never asked (then erased) while it lasts."""
from datetime import datetime, timezone

from chalicelib.domain.retention import awaiting_answer, decide, last_activity
from chalicelib.domain.vocabulary import RetentionAction as A

NOW = datetime(2029, 6, 15, 12, tzinfo=timezone.utc)
OLD = "2027-01-01T00:00:00.000Z"
RECENT = "2029-01-01T00:00:00.000Z"


def subscriber(**preferences):
    return {"id": "cand_x", "status": "subscribed", "created_at": OLD, "preferences": preferences}


def test_choosing_preferences_starts_the_clock_again():
    assert last_activity(subscriber(updated_at=RECENT), {}).year == 2029
    assert decide(subscriber(updated_at=RECENT), {}, NOW, 24).action is A.NONE


def test_choosing_preferences_while_asked_is_an_answer():
    asked = {"asked_at": "2029-06-01T00:00:00.000Z", "deadline": "2029-07-01T00:00:00.000Z"}
    chose = subscriber(updated_at="2029-06-10T00:00:00.000Z")
    assert not awaiting_answer(chose, asked)
    assert decide(chose, asked, datetime(2029, 7, 2, tzinfo=timezone.utc), 24).action is not A.ERASE


def test_a_paused_subscriber_is_not_asked_while_the_pause_lasts():
    paused = subscriber(paused_until="2029-09-01T00:00:00.000Z", updated_at=OLD)
    decision = decide(paused, {}, NOW, 24)
    assert decision.action is A.NONE and decision.due_at == datetime(2029, 9, 1, tzinfo=timezone.utc)
    assert decide(paused, {}, datetime(2029, 9, 2, tzinfo=timezone.utc), 24).action is A.ASK  # over: asked
