"""The MIME the campaign and confirmation emails are sent as: any subject, name and body survive a
round trip through a standard parser, and links in both parts share one tracked URL."""
from email import message_from_bytes, policy

from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.messages import build_mime
from chalicelib.domain.tracking import rewrite_links

printable = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1, max_size=120)


def lines(text: str) -> str:
    """What the quoted-printable text part reads as: CRLF line ends as LF (a lone CR is kept, as =0D),
    trailing line ends gone."""
    return text.replace("\r\n", "\n").rstrip("\n")


@settings(max_examples=150, deadline=None)
@given(subject=printable, name=printable, text=st.text(max_size=400), html=st.text(max_size=400))
def test_mime_round_trips(subject, name, text, html):
    subject = " ".join(subject.split()) or "Hello"  # as templates.render gives it: white space runs as one space
    raw = build_mime(from_email="talent@example.com", from_name=name.strip() or None, to="ada@example.org",
                     subject=subject, text=text, html_body=html,
                     headers={"List-Unsubscribe": "<https://x.example/u/abc>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"})
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
    parsed = message_from_bytes(raw, policy=policy.default)
    assert str(parsed["Subject"]) == subject  # folding is undone by unfolding: the subject as written
    assert parsed["List-Unsubscribe"] == "<https://x.example/u/abc>"
    plain = parsed.get_body(("plain",)).get_content()
    body = parsed.get_body(("html",)).get_content()
    assert plain.replace("\r\n", "\n").rstrip("\n") == lines(text)
    assert body.rstrip("\n") == html.rstrip("\n")  # base64: the HTML arrives byte for byte


def test_long_non_ascii_subject_is_split_between_characters():
    subject = "Zoë, João & Łukasz: " + "ünïcödé " * 20
    raw = build_mime(from_email="talent@example.com", from_name="Équipe Talent", to="a@example.org",
                     subject=subject, text="hi", html_body="<p>hi</p>")
    head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
    assert all(len(word) <= 75 for line in head.split("\r\n") for word in line.split() if word.startswith("=?"))
    parsed = message_from_bytes(raw, policy=policy.default)
    assert str(parsed["Subject"]) == subject
    assert parsed["From"].addresses[0].display_name == "Équipe Talent"


def test_a_link_in_both_parts_gets_one_tracked_url():
    made = []

    def click(index):
        made.append(index)
        return f"https://t.example/c/{index}"

    tracked = rewrite_links('<a href="https://jobs.example/1">a</a> <a href="https://jobs.example/2">b</a>'
                            '<a href="https://x.example/u/me">unsubscribe</a>',
                            "see https://jobs.example/2 and https://jobs.example/1",
                            click_url=click, skip=("https://x.example/u/",))
    assert tracked.links == ["https://jobs.example/1", "https://jobs.example/2"]
    assert made == [0, 1]  # one token per link, not per occurrence
    assert tracked.text == "see https://t.example/c/1 and https://t.example/c/0"
    assert 'href="https://x.example/u/me"' in tracked.html


def header_lines(raw: bytes) -> list[str]:
    return raw.split(b"\r\n\r\n", 1)[0].decode("ascii").split("\r\n")


def subject_lines(raw: bytes) -> list[str]:
    lines = header_lines(raw)
    start = next(i for i, line in enumerate(lines) if line.startswith("Subject:"))
    end = next(i for i in range(start + 1, len(lines)) if not lines[i].startswith(" "))
    return lines[start:end]


long_words = st.lists(st.text(st.characters(codec="ascii", blacklist_categories=("Cc",), blacklist_characters=" "),
                              min_size=1, max_size=1200), min_size=1, max_size=40).map(" ".join)


@settings(max_examples=150, deadline=None)
@given(subject=long_words | st.text(st.characters(blacklist_categories=("Cs",)), max_size=3000))
def test_subjects_of_any_length_are_folded_within_the_line_limits(subject):
    raw = build_mime(from_email="talent@example.com", from_name="Talent", to="ada@example.org",
                     subject=subject, text="hi", html_body="<p>hi</p>")
    assert all(len(line) <= 998 for line in header_lines(raw))
    parsed = message_from_bytes(raw, policy=policy.default)
    assert str(parsed["Subject"]) in (subject, " ".join(subject.split()))


def test_long_subjects_fold_at_spaces_into_short_lines():
    subject = " ".join(f"word{i}" for i in range(400))  # about 3,500 characters
    raw = build_mime(from_email="talent@example.com", from_name=None, to="ada@example.org",
                     subject=subject, text="hi", html_body="<p>hi</p>")
    lines = subject_lines(raw)
    assert len(lines) > 40 and all(len(line) <= 78 for line in lines)
    assert str(message_from_bytes(raw, policy=policy.default)["Subject"]) == subject
    # A word longer than a line can hold goes as encoded words; text that looks like one is encoded too.
    for subject in ["x" * 2000, "a =?utf-8?q?not_a_word?= b"]:
        raw = build_mime(from_email="talent@example.com", from_name=None, to="ada@example.org",
                         subject=subject, text="hi", html_body="<p>hi</p>")
        assert all(len(line) <= 78 for line in subject_lines(raw))
        assert str(message_from_bytes(raw, policy=policy.default)["Subject"]) == subject
