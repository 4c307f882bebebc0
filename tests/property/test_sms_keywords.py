"""Property tests of the inbound SMS keyword reader (domain/sms_keywords.py): every way of writing a stop word is
STOP, any text at all is read without an exception in bounded time, and ordinary messages are not STOP."""
import time

from hypothesis import assume, given, settings, strategies as st

from chalicelib.domain.sms_keywords import START_WORDS, STOP_WORDS, keyword
from chalicelib.domain.vocabulary import SmsKeyword

EXAMPLES = settings(max_examples=300, deadline=None)
noise = st.text(st.characters(codec="utf-8", categories=["Zs", "P", "S", "Cc"]), max_size=5)
spelled = ["OPT OUT", "OPT-OUT", "Opt out", "stop all", "S.T.O.P", "un subscribe"]


def mixed_case(word: str, flips: list[bool]) -> str:
    return "".join(ch.lower() if flip else ch for ch, flip in zip(word, flips + [False] * len(word)))


@EXAMPLES
@given(word=st.sampled_from(sorted(STOP_WORDS) + spelled), before=noise, after=noise,
       flips=st.lists(st.booleans(), max_size=12))
def test_a_stop_word_in_any_case_with_any_spacing_or_punctuation_is_stop(word, before, after, flips):
    assert keyword(before + mixed_case(word, flips) + after) == SmsKeyword.STOP


@EXAMPLES
@given(rest=st.text(max_size=200), flips=st.lists(st.booleans(), max_size=4), gap=st.sampled_from([" ", "\n", ", ", "! "]))
def test_stop_then_anything_is_stop(rest, flips, gap):
    assert keyword(mixed_case("STOP", flips) + gap + rest) == SmsKeyword.STOP


@EXAMPLES
@given(word=st.sampled_from(sorted(START_WORDS)), before=noise, after=noise, flips=st.lists(st.booleans(), max_size=8))
def test_start_words(word, before, after, flips):
    assert keyword(before + mixed_case(word, flips) + after) == SmsKeyword.START


@EXAMPLES
@given(text=st.one_of(st.text(st.characters(codec=None, categories=None), max_size=400),
                      st.text(min_size=2000, max_size=20000), st.binary(max_size=50), st.integers(), st.none(),
                      st.lists(st.text(max_size=5))))
def test_any_value_is_read_without_an_exception_in_bounded_time(text):
    started = time.monotonic()
    assert keyword(text) in (None, *SmsKeyword)
    assert time.monotonic() - started < 1.0


@EXAMPLES
@given(first=st.text(st.characters(categories=["L"]), min_size=1, max_size=12), rest=st.text(max_size=80))
def test_a_message_that_does_not_start_with_stop_and_is_not_only_a_keyword_is_not_stop(first, rest):
    text = f"{first} really {rest}"
    assume(first.upper() != "STOP")
    assert keyword(text) != SmsKeyword.STOP or "".join(ch for ch in text if ch.isalpha()).upper() in STOP_WORDS


def test_examples():
    assert keyword("ＳＴＯＰ") == keyword("Stop🛑") == keyword("STOP2") == SmsKeyword.STOP
    assert keyword("🈀") is None and keyword("stopstop") is None and keyword("please don't cancel") is None
    assert keyword("Help?") == keyword("INFO") == SmsKeyword.HELP and keyword("Unstop") == SmsKeyword.START
