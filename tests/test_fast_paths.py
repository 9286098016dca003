"""Fast paths give the same answers as the plain computation they replace.

Speed work (issue 8) replaced a few regular-expression passes with cheaper
equivalents; each test here checks one against the original formulation on
edge cases and on generated text.
"""

from __future__ import annotations

import dataclasses
import email.utils
import re
import unicodedata

import lxml.html
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trustcheck.auth.dkim import _blank_line
from trustcheck.auth.received import _tokens
from trustcheck.content.firstchar import first_chars, literal_prefixes
from trustcheck.content.lexicon import _WORD_START, families, phrase_starts
from trustcheck.content.lures import (
    _ADDRESS_GREETING,
    _ADDRESS_IN_TEXT,
    _address_greeting,
    _addresses_in,
)
from trustcheck.content.markup import _letters_up_to, _may_hide, inspect_markup
from trustcheck.content.text import _INVISIBLE, _QUOTES, disguises, scan_text
from trustcheck.links import extract
from trustcheck.links import lookalike as lookalike_module
from trustcheck.links.analyze import _with_flags
from trustcheck.links.extract import _BARE, _BARE_IP, _DEFANG, _bare_matches, _undefang
from trustcheck.links.lookalike import lookalike_index
from trustcheck.message import headers as headers_module
from trustcheck.message._report import Report
from trustcheck.message.charsets import decode_8bit
from trustcheck.message.forward import _BARE_BLOCK, _SEPARATOR, _candidates
from trustcheck.message.headers import header_text, split_message
from trustcheck.message.html import html_to_text, normalise_space, parse_html
from trustcheck.message.limits import Limits
from trustcheck.message.mail import (
    _URLISH,
    ParsedEmail,
    _getaddresses,
    _strip_urlish,
    guess_language,
    parse_email,
)
from trustcheck.registry.names import normalize_domain
from trustcheck.verdict import Link, Severity

# Characters that build URLs, addresses and words in several scripts.
_ALPHABET = st.sampled_from([*"aw.:/@-+_1 \néДеοx가", "www.", "://", "http"])
_TEXTS = st.lists(_ALPHABET, max_size=120).map("".join)


@pytest.mark.parametrize("text", [
    "",
    "see http://example.com/x now",
    "mail me: a@b",
    "x" * 70 + "@y",
    "@" * 5,
    "ab://c@d www.x",
    "1@" * 50,
    "a" * 30 + "://x",
    "www.www.",
    "trailing www.",
])
def test_strip_urlish_matches_the_pattern(text: str) -> None:
    assert _strip_urlish(text) == _URLISH.sub(" ", text)


@settings(max_examples=300, deadline=None)
@given(_TEXTS)
def test_strip_urlish_matches_the_pattern_on_generated_text(text: str) -> None:
    assert _strip_urlish(text) == _URLISH.sub(" ", text)


def _language_by_letters(text: str) -> str | None:
    """guess_language as first written: one list item per letter."""
    sample = _URLISH.sub(" ", text[:8_000])
    letters = len(re.findall(r"[^\W\d_]", sample))
    if not letters:
        return None
    if len(re.findall(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]", sample)) * 4 >= letters:
        return "ko"
    if len(re.findall(r"[A-Za-z\u00c0-\u024f]", sample)) * 2 > letters:
        return "en"
    return None


@pytest.mark.parametrize("text", [
    "Your parcel is waiting",
    "고객님의 택배가 보관 중입니다 https://example.com",
    "Ihre Sendung 1234 wartet",
    "Ваша посылка ждёт",
    "12345 !!!",
    "×÷ ½ ² mixed",
])
def test_guess_language_counts_like_letter_by_letter(text: str) -> None:
    assert guess_language(text) == _language_by_letters(text)


@settings(max_examples=300, deadline=None)
@given(_TEXTS)
def test_guess_language_counts_like_letter_by_letter_on_generated_text(text: str) -> None:
    assert guess_language(text) == _language_by_letters(text)


@pytest.mark.parametrize(("text", "kinds"), [
    ("plain latin words only", ()),
    ("Rеviеw your account", ("mixed_script",)),  # Cyrillic е
    ("Ваша посылка ждёт", ()),  # Cyrillic alone is not a disguise
    ("Pay\u200bPal and Rеviеw", ("mixed_script", "invisible")),
])
def test_disguises_mixed_script(text: str, kinds: tuple[str, ...]) -> None:
    assert tuple(d.kind for d in disguises(text)) == kinds


@pytest.mark.parametrize(("phrase", "expected"), [
    ("abc", "a"),
    ("(?:verify|confirm) your", "cv"),
    ("(?:tax |pending )?refund", "prt"),
    ("[a-c]x", "abc"),
    (r"\d+ ?days", r"\d"),
    ("x?y*z", "xyz"),
    ("(?:a|)b", "ab"),
])
def test_first_chars(phrase: str, expected: str) -> None:
    found = first_chars(phrase)
    assert found is not None
    want = {expected} if expected == r"\d" else set(expected)
    assert found == want


@pytest.mark.parametrize("phrase", [
    r"\w+ account",  # a category other than \d
    "(?i:abc)",  # an inline flag changes what a letter matches
    "^abc",  # an anchor
    "(?<=x)abc",  # a look-behind
    "a?",  # can match the empty string
    "[^a]bc",  # a negated set
    "(?:",  # not a regular expression
])
def test_first_chars_unknown(phrase: str) -> None:
    assert first_chars(phrase) is None


@pytest.mark.parametrize("family", [f.name for f in families()])
def test_lure_lookahead_finds_what_the_plain_alternation_finds(family: str) -> None:
    """Every shipped phrase, written into text, is found with and without the look-ahead."""
    fam = next(f for f in families() if f.name == family)
    body = fam.pattern.pattern.split(_WORD_START, 1)[1]
    plain = re.compile(_WORD_START + body)
    assert fam.pattern.pattern != plain.pattern  # the fast path is in use
    for sample in _SAMPLES:
        assert [m.group(0) for m in fam.pattern.finditer(sample)] == [
            m.group(0) for m in plain.finditer(sample)]


_SAMPLES = [
    "please verify your account within 24 hours or your card has been blocked",
    "you won! claim your prize: 3 free spins, 10 kg in 2 weeks, 본인 인증 필요",
    "xverify your account 12 kg in 1 week; inheritance of $5,000,000 from a beneficiary",
    "package is held, pay the customs fee. bestätigen sie ihr konto jetzt",
]


@pytest.mark.parametrize(("phrase", "expected"), [
    ("abc", {"abc"}),
    ("(?:verify|confirm) your", {"verify your", "confirm your"}),
    ("(?:tax |pending )?refund", {"tax refund", "pending refund", "refund"}),
    ("unauthori[sz]ed", {"unauthorised", "unauthorized"}),
    ("re-?activate", {"reactivate", "re-activate"}),
    (r"within \d+ hours", {"within "}),  # the literal text ends at the digit
    ("(?:ab)+c", {"ab"}),  # the first repetition, then unknown
    ("don.t", {"don"}),
])
def test_literal_prefixes(phrase: str, expected: set[str]) -> None:
    assert literal_prefixes(phrase) == expected


@pytest.mark.parametrize("phrase", [r"\d+ kg", "(?:a|\\w)b", "x?", "(?i:abc)", "[^a]b", "(?:"])
def test_literal_prefixes_unknown(phrase: str) -> None:
    assert literal_prefixes(phrase) is None


def _lure_matches_at_starts(text: str) -> list[list[tuple[int, int]]]:
    starts = phrase_starts(text)
    assert starts is not None  # the shipped lexicon has a finder
    return [[m.span() for m in f.finditer(text, starts)] for f in families()]


def _lure_matches_everywhere(text: str) -> list[list[tuple[int, int]]]:
    return [[m.span() for m in f.pattern.finditer(text)] for f in families()]


@pytest.mark.parametrize("text", [
    *_SAMPLES,
    "",
    "verify your account",  # at the very start: no character before it
    "xverify your account, -verify your account_verify your account 5verify your account",
    "your card has been blocked has been blocked, account has been suspended",
    "10 kg in 2 weeks; 10kg in 1 week 50% bonus 100 free spins 24시간 이내 긴급",
    "½ ² ٣٤ kg in ٢ weeks",  # non-ASCII digits are \d too
])
def test_lure_scan_at_phrase_starts_matches_the_full_scan(text: str) -> None:
    assert _lure_matches_at_starts(text) == _lure_matches_everywhere(text)


_LURE_WORDS = st.sampled_from([
    " ", "-", "x", "5", "verify", "your", "account", "has been", "blocked", "kg", "in",
    "2", "weeks", "claim", "prize", "%", "bonus", "free spins", "본인", "인증", "confirm",
])


@settings(max_examples=300, deadline=None)
@given(st.lists(_LURE_WORDS, max_size=30).map(" ".join))
def test_lure_scan_at_phrase_starts_matches_the_full_scan_on_generated_text(text: str) -> None:
    assert _lure_matches_at_starts(text) == _lure_matches_everywhere(text)


@settings(max_examples=300, deadline=None)
@given(st.lists(_LURE_WORDS, max_size=30).map("".join))
def test_lure_scan_at_phrase_starts_matches_the_full_scan_on_run_on_text(text: str) -> None:
    assert _lure_matches_at_starts(text) == _lure_matches_everywhere(text)


@pytest.mark.parametrize(("text", "hidden"), [
    ("Pay\u200bPal", True),
    ("Pay\u200b Pal", False),  # the invisible character is not inside a word
    ("plain text", False),
    ("a\U000E0001b", True),
])
def test_disguises_invisible(text: str, hidden: bool) -> None:
    assert ("invisible" in {d.kind for d in disguises(text)}) is hidden


@pytest.mark.parametrize(("markup", "words"), [
    # The same hiding style on two elements counts both (the style test is memoised).
    ('<p style="display:none">one two</p><p style="display:none">three four</p>', 4),
    ('<p style="color:red">one two</p><p style="display:none">three</p>', 1),
    ('<p style="display:none">one <b style="color:red">two</b></p><p>three</p>', 2),
])
def test_hidden_words_with_repeated_styles(markup: str, words: int) -> None:
    assert inspect_markup(markup).hidden_words == words


def _undefang_every_pattern(text: str) -> str:
    for pattern, repl in _DEFANG:
        text = pattern.sub(repl, text)
    return text


@pytest.mark.parametrize("text", [
    "hxxps[:]//evil[.]example/x",
    "h**p://a(dot)b",
    "see example{DOT}com and hxxp:/broken",
    "no url here, just (parentheses) and [brackets].",
    "path //only",
    "",
])
def test_undefang_matches_every_pattern(text: str) -> None:
    assert _undefang(text) == _undefang_every_pattern(text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(
    ["hxxp", "h**p", "s", "[:]", ":", "//", "/", "[.]", "(dot)", "{DOT}", " ", "[", ".", "]", "x"]),
    max_size=15).map("".join))
def test_undefang_matches_every_pattern_on_generated_text(text: str) -> None:
    assert _undefang(text) == _undefang_every_pattern(text)


# The hiding-style test as first written: one IGNORECASE alternation.
_HIDING_STYLE_AS_WRITTEN = re.compile(
    r"display\s*:\s*none"
    r"|visibility\s*:\s*hidden"
    r"|font-size\s*:\s*(?:0(?:\.0*)?\s*(?:px|pt|em|rem|%)?|1\s*(?:px|pt))\s*(?:[;!\x22\x27]|$)"
    r"|opacity\s*:\s*0(?:\.0*)?\s*(?:[;!\x22\x27]|$)"
    r"|(?<![-\w])(?:max-)?height\s*:\s*0\s*(?:px)?\s*(?:[;!\x22\x27]|$)"
    r"|(?:text-indent|left|top)\s*:\s*(?:-\d{4,}|\d{5,})(?:\.\d+)?\s*(?:px|pt|em|rem)?"
    r"\s*(?:[;!\x22\x27}]|$)",
    re.IGNORECASE,
)


@pytest.mark.parametrize("markup", [
    "",
    '<p style="DISPLAY: None">x</p>',
    '<p style="diſplay:none">x</p>',  # long s folds to s under IGNORECASE
    '<p style="MAX-HEIGHT:0">', '<p style="line-height:0">', '<p style="x-max-height:0px;">',
    "height:0", "-height:0", "max-height:0", "_height:0", "height:0\n", "height:0\nx",
    '<td style="font-size:0px;opacity:0.0">', "font-size:1pt'", "font-size:10px",
    "İheight:0", "heİght:0", "visibility:hidden", "VISIBILITY : HIDDEN",
    "TEXT-INDENT: -9999PX", "margin-top: 470500px }", "left:-999px", "top:12000",
])
def test_may_hide_matches_the_pattern(markup: str) -> None:
    assert _may_hide(markup) == (_HIDING_STYLE_AS_WRITTEN.search(markup) is not None)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from([
    "display", "DISPLAY", "Height", "height", "max-", "MAX-", "line-", "x", "_", "-", ":", " ",
    "\n", "0", "1", ".0", "px", "PT", ";", "'", "none", "hidden", "opacity", "font-size",
    "visibility", "İ", "ı", "ſ", "K", "é"]), max_size=12).map("".join))
def test_may_hide_matches_the_pattern_on_generated_text(markup: str) -> None:
    assert _may_hide(markup) == (_HIDING_STYLE_AS_WRITTEN.search(markup) is not None)


def _normalise_space_as_written(text: str) -> str:
    text = re.sub(r" ?\n ?", "\n",
                  re.sub(r"[ \t\u00a0\u200b\u200c\u200d\u2060\ufeff\r\f\v]+", " ", text))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


@pytest.mark.parametrize("text", [
    "", " ", "a b", "a  b", "a\t b", " \n \n ", "a \n\n\n\n b", "\r\n", "x\u00a0\u200b y",
    "a \n \n b", "\n \n", "a\n \n\n \nb",
])
def test_normalise_space_matches_the_patterns(text: str) -> None:
    assert normalise_space(text) == _normalise_space_as_written(text)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from([" ", "\n", "\t", "\r", "\u00a0", "\u200b", "\ufeff", "a", "bc"]),
                max_size=25).map("".join))
def test_normalise_space_matches_the_patterns_on_generated_text(text: str) -> None:
    assert normalise_space(text) == _normalise_space_as_written(text)


def _scan_text_as_written(subject: str, display_name: str | None, body: str) -> str:
    joined = " \n ".join((subject, display_name or "", body[:20_000]))
    folded = unicodedata.normalize("NFKC", joined).lower().translate(_QUOTES)
    for ch in _INVISIBLE:
        folded = folded.replace(ch, "")
    return re.sub(r"\s+", " ", folded)


_SCAN_PIECES = st.sampled_from([
    " ", "  ", "\n", "\t", "\u00a0", "\u2003", "a", "B", "\u2019", "\u200b", "\u00ad", "ß",
    "𝐘", "Ａ", "é", "\ufeff", "x y",
])


@settings(max_examples=300, deadline=None)
@given(st.lists(_SCAN_PIECES, max_size=20).map("".join),
       st.one_of(st.none(), st.lists(_SCAN_PIECES, max_size=5).map("".join)),
       st.lists(_SCAN_PIECES, max_size=40).map("".join))
def test_scan_text_matches_the_original_formulation(subject: str, name: str | None,
                                                    body: str) -> None:
    assert scan_text(subject, name, body) == _scan_text_as_written(subject, name, body)


@pytest.mark.parametrize(("text", "kinds"), [
    ("plain ascii text", ()),
    ("café crème", ()),
    ("invoice\u202efdp.exe", ("bidi",)),
    ("𝐘𝐎𝐔𝐑 𝐏𝐇𝐎𝐓𝐎𝐒", ("math_letters",)),
    ("tag\U000E0041block", ("invisible",)),
])
def test_disguises_outside_ascii(text: str, kinds: tuple[str, ...]) -> None:
    assert tuple(d.kind for d in disguises(text)) == kinds


_CRLF_BYTES = st.lists(st.sampled_from([b"\r", b"\n", b"a", b":", b" "]), max_size=14).map(b"".join)


@settings(max_examples=500, deadline=None)
@given(_CRLF_BYTES)
def test_blank_line_matches_the_pattern(raw: bytes) -> None:
    m = re.search(rb"\r?\n\r?\n", raw)
    assert _blank_line(raw) == (None if m is None else m.span())


@settings(max_examples=300, deadline=None)
@given(_CRLF_BYTES)
def test_header_lines_split_like_the_pattern(raw: bytes) -> None:
    assert raw.replace(b"\r\n", b"\n").split(b"\n") == re.split(rb"\r?\n", raw)


@pytest.mark.parametrize("markup", [
    '<a href="http://x.example/a">Pay<!-- c -->Pal</a><?php echo 1 ?><img src="/p.gif">',
    '<base href="https://b.example/"><!--[if mso]><a href="m">x</a><![endif]--><a href="r">y</a>',
    '<form action="/login"><input type="password"></form><style>a{background:url(u.png)}</style>',
    "<p>no links at all</p>",
    "",
])
def test_links_from_the_shared_document_match_a_fresh_parse(
        markup: str, monkeypatch: pytest.MonkeyPatch) -> None:
    html_to_text(markup)  # parse_html keeps this document for the link extraction
    assert parse_html(markup) is parse_html(markup)
    shared = extract.collect_links(html=[markup])
    monkeypatch.setattr(extract, "parse_html", lambda m: lxml.html.document_fromstring(m))
    assert extract.collect_links(html=[markup]) == shared


_URL_PIECES = st.sampled_from([
    "a", "ex-ample", "x" * 62, "x" * 70, "_", "1", "٣", ".", "。", "．", "com", "de", "é", " ", "@",
    "/", "/p", ":", "8080", "-", "www", "\u00a0",
])


@settings(max_examples=500, deadline=None)
@given(st.lists(_URL_PIECES, max_size=16).map("".join))
def test_bare_domains_found_at_dots_match_the_full_scan(text: str) -> None:
    assert [(m.span(), m.groups()) for m in _bare_matches(text)] == [
        (m.span(), m.groups()) for m in _BARE.finditer(text)]


_BARE_IP_AS_WRITTEN = re.compile(
    r"(?<![\w.])(\d{1,3}(?:\.\d{1,3}){3})(?::(\d{1,5}))?(/[^\s<>\"'`]*)?")


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["1", "23", "256", ".", "a", " ", ":", "80", "/x", "_", "٣"]),
                max_size=14).map("".join))
def test_bare_ip_pattern_matches_the_one_written_first(text: str) -> None:
    assert [(m.span(), m.groups()) for m in _BARE_IP.finditer(text)] == [
        (m.span(), m.groups()) for m in _BARE_IP_AS_WRITTEN.finditer(text)]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(
    ["a", "b.c", "@", ".", "-", "+", " ", "x@y.z", "@@", "é", "_", "1", "..", "mail.example"]),
    max_size=14).map("".join))
def test_addresses_found_at_at_signs_match_the_full_scan(text: str) -> None:
    assert [m.span() for m in _addresses_in(text)] == [
        m.span() for m in _ADDRESS_IN_TEXT.finditer(text)]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from([
    "-", "--", "Forwarded", "FORWARDED message", " Message ", "begin forwarded message:", "_" * 5,
    "From:", "FROM: a", "Sent:", "date:", "보낸 사람:", "보낸사람:", "날짜:", "전달된 메일:",
    "\n", " ", ">", "x", "ſ"]), max_size=12).map("".join))
def test_forward_candidates_match_the_unguarded_scan(text: str) -> None:
    plain = sorted([*_SEPARATOR.finditer(text)][:20] + [*_BARE_BLOCK.finditer(text)][:20],
                   key=lambda m: m.start())
    assert [m.span() for m in _candidates(text)] == [m.span() for m in plain]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["ab", " ", "1", "é", "_", "x" * 30, "²", "가", "\n"]),
                max_size=12).map("".join))
def test_letters_up_to_the_limit_match_a_full_count(text: str) -> None:
    full = len(re.findall(r"[^\W\d_]", text))
    counted = _letters_up_to(text, 100)
    assert (counted < 100) == (full < 100)
    assert counted == full or full >= 100


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(
    ["h", "H", "xx", "XX", "**", "tt", "TT", "p", "P", "s", "S", "ſ", "[:]", ":", "//", "/", "]",
     " ", "a", "hxxps[:]//", "HTTP://"]), max_size=14).map("".join))
def test_undefang_matches_every_pattern_in_any_case(text: str) -> None:
    assert _undefang(text) == _undefang_every_pattern(text)


def _tokens_char_by_char(text: str) -> list[tuple[str, str]]:
    """received._tokens as first written: one character at a time."""
    out: list[tuple[str, str]] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch == "(":
            depth, j = 1, i + 1
            while j < n and depth:
                if text[j] == "\\":
                    j += 1
                elif text[j] == "(":
                    depth += 1
                elif text[j] == ")":
                    depth -= 1
                j += 1
            body = text[i + 1 : j - 1] if depth == 0 else text[i + 1 :]
            out.append(("comment", " ".join(body.split())))
            i = j
        else:
            j = i
            while j < n and not text[j].isspace() and text[j] != "(":
                j += 1
            out.append(("word", text[i:j]))
            i = j
    return out


@pytest.mark.parametrize("text", [
    "", "from a (b [1.2.3.4]) by c (Postfix) with ESMTPS id X for <u@v>",
    "from x ((nested) (more)) by y", "from x (unbalanced by y", "a\\(b (c\\)d) e",
    "(\\", "(a\\", ")(", "a(b)c", "\x1c\xa0(\u2028)\x85",
])
def test_received_tokens_match_the_char_by_char_scan(text: str) -> None:
    assert _tokens(text) == _tokens_char_by_char(text)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(
    ["(", ")", "\\", " ", "\t", "\xa0", "\x1c", "from", "by", "[1.2.3.4]", "a", "é", ";"]),
    max_size=16).map("".join))
def test_received_tokens_match_the_char_by_char_scan_on_generated_text(text: str) -> None:
    assert _tokens(text) == _tokens_char_by_char(text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(
    ["a", "B", ".", " ", "\u200b", "é", "Ä", "/", "x" * 64, "xn--", "-", "\u00ad", "@", "。"]),
    max_size=10).map("".join))
def test_cached_normalize_domain_matches_the_plain_function(domain: str) -> None:
    assert normalize_domain(domain) == normalize_domain.__wrapped__(domain)
    assert normalize_domain(domain) == normalize_domain.__wrapped__(domain)


def _first_header_by_scan(email: ParsedEmail, name: str) -> str | None:
    key = name.lower()
    return next((v for n, v in email.headers if n.lower() == key), None)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["From", "from", "FROM", "To", "X-A", "x-a", "İ", "K"]),
                          st.sampled_from(["1", "2", ""])), max_size=8),
       st.sampled_from(["from", "FROM", "to", "x-a", "X-A", "i̇", "k", "\u212a", "missing"]))
def test_header_index_matches_a_scan_of_the_headers(headers: list[tuple[str, str]],
                                                    name: str) -> None:
    raw = "".join(f"{n}: {v}\r\n" for n, v in headers).encode() + b"\r\nbody"
    email = parse_email(raw)
    direct = dataclasses.replace(email, headers=tuple(headers))
    for parsed in (email, direct):
        assert parsed.header(name) == _first_header_by_scan(parsed, name)
        assert parsed.header_all(name) == tuple(
            v for n, v in parsed.headers if n.lower() == name.lower())


@pytest.mark.parametrize("text", [
    "Hello a@b.c", "hello a@b.c", "Dear customer, dear customer x.y@z.example thanks",
    "ohi, u@v.w", "hi, hello:: user u@v.w", "prezado(a) x@y", "안녕하세요 a@b", "hi @b.c",
    "hi a@b hi c@d", "x@y hi: z@w", "lieber,user a@b", "chère , client cl@x.y", "@", "hi a@",
])
def test_address_greeting_at_at_signs_matches_the_full_search(text: str) -> None:
    m, full = _address_greeting(text), _ADDRESS_GREETING.search(text)
    assert (m and (m.span(), m.groups())) == (full and (full.span(), full.groups()))


@settings(max_examples=800, deadline=None)
@given(st.lists(st.sampled_from(
    ["hi", "hello", "dear", "liebe", "prezado(a)", "olá", "안녕하세요", "guten tag", "cher", "o",
     " ", ",", ":", "customer ", "user ", "x", "a.b", "@", "@ex.ample", "-", "²", "_", "1"]),
    max_size=12).map("".join))
def test_address_greeting_at_at_signs_matches_the_full_search_on_generated_text(
        text: str) -> None:
    m, full = _address_greeting(text), _ADDRESS_GREETING.search(text)
    assert (m and (m.span(), m.groups())) == (full and (full.span(), full.groups()))



_HEADER_PIECES = st.sampled_from([
    b"A: b", b"Subject:x", b"To :", b"\r\n", b"\n", b"\r", b" ", b"\t", b"x", b":", b"b" * 9,
    b"\r\n\r\n", b"\xff", b"=?"])


@pytest.mark.parametrize("raw", [
    b"A: b\r\n c\r\n\tdd\r\nB : e\r\n\r\nbody", b"A: b\n c\nB: d\n\nbody", b"A: b\rc\r\n\r\n",
    b" lead: x\r\nA: b\r\n\r\n", b"A: b\r\nnot a field\r\nB: c\r\n\r\n", b"A:\r\n\r\n",
    b"A: " + b"x" * 9 + b"\r\n\r\n", b"A: 1\nB: 2\nC: 3\nD: 4\n\n", b"A: b", b"A: b\r",
])
def test_header_fields_in_one_pass_match_the_line_by_line_split_on_examples(raw: bytes) -> None:
    for limits in (Limits(), Limits(max_headers=3, max_header_length=8)):
        _assert_split_like_line_by_line(raw, limits)


@pytest.mark.parametrize("limits", [Limits(), Limits(max_headers=3, max_header_length=8)])
@settings(max_examples=600, deadline=None)
@given(raw=st.lists(_HEADER_PIECES, max_size=16).map(b"".join))
def test_header_fields_in_one_pass_match_the_line_by_line_split(
        raw: bytes, limits: Limits) -> None:
    _assert_split_like_line_by_line(raw, limits)


def _assert_split_like_line_by_line(raw: bytes, limits: Limits) -> None:
    fast = Report()
    fields = split_message(raw, limits, fast)
    slow = Report()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(headers_module, "_regular_fields", lambda head, limits: None)
        assert split_message(raw, limits, slow) == fields
    assert fast.findings() == slow.findings()


def _header_text_as_written(value: bytes, report: Report) -> str:
    text, ok = decode_8bit(value)
    if not ok:
        report.add("header.encoding_error", Severity.INFO,
                   "A header holds 8-bit bytes that are neither UTF-8 nor cp949; "
                   "read as latin-1.")
    return text.replace("\x00", "") if "\x00" in text else text


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(
    [b"a", b" ", b"\x00", b"\x1b", b"\x1b$B", b"\x1b(B", b"$B", b"\xc3\xa9", b"\xff", b"\xb0\xa1",
     b"=?", b"\x7f", b"\t"]), max_size=10).map(b"".join))
def test_ascii_header_text_matches_the_8bit_decoding(value: bytes) -> None:
    fast, slow = Report(), Report()
    assert header_text(value, fast) == _header_text_as_written(value, slow)
    assert fast.findings() == slow.findings()


@pytest.mark.parametrize("value", [
    "a@b.c", "Name Words <a@b.c>", '"Smith, J" <a@b.c>', "<a@b.c>", " Jö  Name\t<x.y@z>  ",
    "=?utf-8?B?w6k=?= <a@b>", "a@b, c@d", "", "J. Smith <a@b>", '"a\\"b" <c@d>', "a@b.", "<a@b",
    "x (comment) <a@b>", "undisclosed-recipients:;", "a b", '"" <a@b>', "n\xa0m <a@b>",
])
def test_plain_addresses_read_like_getaddresses(value: str) -> None:
    assert _getaddresses(value) == email.utils.getaddresses([value])


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from(
    ["a", "B.c", "@", "<", ">", " ", "\t", '"', ",", ".", "(", ")", "\\", "é", "\xa0", ":", ";",
     "=?", "_", "[1]", "x@y.z", "\r\n", "'"]), max_size=12).map("".join))
def test_plain_addresses_read_like_getaddresses_on_generated_values(value: str) -> None:
    assert _getaddresses(value) == email.utils.getaddresses([value])


_NAME_PIECES = st.lists(st.sampled_from(["Jo", "é", " ", "\t", "=?u?B?w6k=?=", "x_y", "'", "-"]),
                        max_size=5).map("".join)
_SPEC_PIECES = st.lists(st.sampled_from(["a", "b.c", ".", "@", "x-y", "+", "é"]),
                        min_size=1, max_size=6).map("".join)


@settings(max_examples=600, deadline=None)
@given(_NAME_PIECES, _SPEC_PIECES, st.sampled_from(["{n} <{a}>", '"{n}" <{a}>', "{a}", "<{a}>",
                                                    " {n}<{a}> ", "{n} {a}", "{a}, {n} <{a}>",
                                                    '"{n}, {n}" <{a}>,{a}', "{a},"]))
def test_plain_addresses_read_like_getaddresses_on_name_and_address_forms(
        name: str, spec: str, form: str) -> None:
    value = form.format(n=name, a=spec)
    assert _getaddresses(value) == email.utils.getaddresses([value])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(
    ["paypal", "paypa1", "amazon", "micros0ft", "apple", "-", ".", "com", "de", "co.uk", "xn--",
     "secure", "login", "1.2.3.4", "é", "ρ", "www", ":8080", "g00gle"]), max_size=6).map("".join))
def test_remembered_lookalike_answers_match_a_fresh_match(host: str) -> None:
    index = lookalike_index()
    fresh = index._match_host(host)
    assert index.match(host) == fresh
    assert index.match(host) == fresh


def test_lookalike_memo_starts_over_at_its_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    index = lookalike_index()
    monkeypatch.setattr(lookalike_module, "_MEMO_SIZE", 2)
    for host in ("paypa1.com", "a.example", "b.example", "paypa1.com"):
        assert index.match(host) == index._match_host(host)
        assert len(index._memo) <= 2


@pytest.mark.parametrize(("before", "after"), [
    ((), []), ((), ["link.lookalike"]), (("privacy.tracking_pixel",), ["privacy.tracking_pixel"]),
    (("a",), ["a", "b"]), (("a", "b"), ["b", "a"]),
])
def test_links_keep_their_object_only_when_no_flag_changed(before: tuple[str, ...],
                                                           after: list[str]) -> None:
    link = Link("https://x.example/", "x.example", "x.example", "href", "x", before)
    kept = _with_flags(link, after)
    assert kept == dataclasses.replace(link, flags=tuple(after))
    assert (kept is link) == (tuple(after) == before)
