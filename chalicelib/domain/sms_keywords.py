"""What a text message sent to our number asks for: stop, start again, help, or nothing we act on.

Opt-out by "any reasonable means" (FCC, since 11 April 2025; ../shared/DELIVERABILITY.md): the words
STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, OPTOUT (OPT OUT, OPT-OUT), REVOKE, in any case, with any spacing or
punctuation around or inside them ("Stop!", " s.t.o.p ", "Opt-out"), and any message that starts with STOP
("STOP texting me"). START and UNSTOP ask for texts again; HELP and INFO are answered by AWS itself.
A longer message that only mentions a word ("please don't cancel my interview") is not an opt-out.
"""
from __future__ import annotations

import re
import unicodedata

from .vocabulary import SmsKeyword

STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE"})
START_WORDS = frozenset({"START", "UNSTOP"})
HELP_WORDS = frozenset({"HELP", "INFO"})
MAX_READ = 1600  # an SMS of 10 parts at most; anything longer is read no further
_WORD = re.compile(r"[^\W\d_]+")  # letters only (any script)


def _letters(text: str) -> str:
    """Only the letters, upper case: the message's words run together ("Opt out!" -> "OPTOUT")."""
    return "".join(_WORD.findall(text)).upper()


def keyword(body: object) -> SmsKeyword | None:
    """The message's keyword, or None: a message like any other (ignored)."""
    if not isinstance(body, str):
        return None
    # full-width and other compatibility forms of letters read as the letters ("ＳＴＯＰ"); symbols stay symbols
    # (NFKC would turn some into letters: "🈀" into "ほか")
    text = "".join(unicodedata.normalize("NFKC", ch) if unicodedata.category(ch)[0] == "L" else ch
                   for ch in body[:MAX_READ])
    words = _WORD.findall(text)
    if not words:
        return None
    whole = _letters(text)
    if whole in STOP_WORDS or words[0].upper() == "STOP":
        return SmsKeyword.STOP
    if whole in START_WORDS:
        return SmsKeyword.START
    if whole in HELP_WORDS:
        return SmsKeyword.HELP
    return None
