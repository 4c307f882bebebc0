"""The furthest stage a person reached: a rejection never lowers it; silver medalists are rejected after it."""
from chalicelib.services.ats import furthest_stage, is_silver_medalist


def test_the_furthest_stage_is_the_highest_reached():
    assert furthest_stage(None, None, "applied") == "applied"
    assert furthest_stage("offer", "rejected", "applied") == "offer"
    assert furthest_stage(None, "interviewing", "rejected") == "interviewing"  # first seen at the rejection
    assert furthest_stage(None, "rejected", "rejected") is None
    assert furthest_stage("interviewing", "offer", "hired") == "hired"
    assert furthest_stage("promoted", None, None) is None  # an unknown value is no stage


def test_silver_medalists():
    assert is_silver_medalist({"stage": "rejected", "furthest_stage": "offer"})
    assert is_silver_medalist({"stage": "rejected", "furthest_stage": "interviewing"})
    assert not is_silver_medalist({"stage": "rejected", "furthest_stage": "applied"})
    assert not is_silver_medalist({"stage": "offer", "furthest_stage": "offer"})
    assert not is_silver_medalist({"stage": "rejected"})
