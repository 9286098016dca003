"""Smishing lures in an SMS text: what it wants the reader to do, and how.

A lure is an *intent* (pay, re-deliver, claim, unlock an account …) plus a
*channel* to act on it (a link, a callback number, a messenger ID, a reply
keyword) plus *pressure* (urgency, an amount of money, an imperative). None of
these is evidence alone — friends send links, shops send amounts, mothers say
"urgent" — so findings come from their combination, not from phrase lists:

* intent categories are built from a small vocabulary of objects per category
  (parcel, fine, loan, prize …) in English and Korean;
* channels are structural: URLs (from :mod:`trustcheck.links`), phone numbers,
  messenger handles ("카톡 abc123", "Telegram @x"), reply keywords ("reply YES",
  "text WIN to 80086");
* pressure is urgency words, money amounts and calls to action.

Korean text is matched on a Hangul-only projection too, so spacing and Latin
noise inserted against keyword filters ("대 환 대 출", "청zb첩px장",
research/sms-templates.md §2.7) do not hide a word. Many Korean lures carry no
URL, only a phone number or a messenger ID (AhnLab Q2-2024: 27 % phone, 40 %
KakaoTalk; research §2.6), so those are first-class channels here.

Finding codes (``lure.*``, counted as lures by the policy):

``lure.sms.<intent>``
    one per intent category found with a channel or pressure: ``payment``,
    ``delivery``, ``fine``, ``health``, ``social``, ``loan``, ``family``,
    ``account``, ``prize``, ``job``, ``investment``, ``romance``, ``premium``.
``lure.sms.stranger``
    the "wrong number" opener: asks for someone by name or says it got the number,
    and introduces the sender (romance and investment scams start so).
``lure.callback_number``, ``lure.messenger_id``, ``lure.reply_keyword``
    the text moves the conversation to a phone number, a messenger or a reply.
``lure.apk``
    a link to an Android package, or an ask to install an app from a link.
``lure.ip_link``
    a link to a bare IP address.
``lure.disguised_text``
    words mixing Latin with look-alike Cyrillic/Greek letters (no person types so).
``lure.urged_link``
    no intent words, but an unregistered link and an imperative to open it.
``lure.odd_link``
    no intent words, but pressure or an imperative and a link no brand would send
    (public shortener, random token, bare IP, abused TLD).
``lure.token_link``
    a link to an unregistered domain whose path is a random token (per-recipient
    tracking, typical of bulk smishing; brands' own short links are registered).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from trustcheck.verdict import Finding, Link, Severity

__all__ = ["Contact", "LureScan", "scan_lures"]

#: Only the first this-many characters are read (an LMS is at most 2,000 bytes).
TEXT_LIMIT = 4000

# -------------------------------------------------------------------- vocabulary
# English entries are regex fragments matched on lower-cased text at word
# boundaries; Korean entries are plain stems matched on the Hangul-only projection.

_INTENTS: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "payment": (
        (r"payments?", r"charged?", r"transactions?", r"purchases?", r"debit(?:ed)?",
         r"invoices?", r"billing", r"bill", r"orders?", r"subscription", r"renewal",
         r"card", r"refund(?:s|ed)?", r"overdue", r"unpaid", r"fees?", r"fraud\w*",
         r"unauthori[sz]ed", r"gift\s*cards?", r"late\s+fee"),
        ("결제", "승인", "출금", "이체", "해외결제", "해외승인", "일시불", "카드", "환불",
         "미납", "주문", "구매", "청구", "요금"),
    ),
    "delivery": (
        (r"packages?", r"parcels?", r"deliver(?:y|ed|ies)?", r"re-?deliver(?:y)?",
         r"shipments?", r"shipping", r"couriers?", r"tracking", r"customs", r"usps",
         r"fedex", r"dhl", r"ups", r"post\s*office", r"address"),
        ("택배", "배송", "송장", "운송장", "반송", "통관", "주소", "부재", "배달", "우체국",
         "물품", "상품"),
    ),
    "fine": (
        (r"fines?", r"tolls?", r"penalt(?:y|ies)", r"tax(?:es)?", r"irs", r"overdue",
         r"court", r"violation", r"ticket", r"stimulus", r"benefits?", r"edd",
         r"government", r"dmv", r"e-?z\s?pass", r"fastrak", r"sunpass", r"parking"),
        # Public bodies are the most impersonated senders in Korea (KISA 2023: 69.5 %).
        ("과태료", "범칙금", "벌점", "고지서", "체납", "세금", "환급", "국세", "지방세",
         "위반", "교통", "정부지원", "지원금", "재난지원", "검찰", "경찰", "법원", "출석",
         "민원", "공단", "국민연금", "민방위", "주민센터", "등기", "행정", "정부", "벌금",
         "단속", "신고"),
    ),
    "health": (
        (r"covid", r"vaccin\w*", r"test\s+results?", r"health\s+check", r"medicare",
         r"insurance"),
        ("건강검진", "검진", "방역", "확진", "백신", "보험금", "건강보험"),
    ),
    "social": (
        (r"invitations?", r"wedding", r"funeral", r"obituary", r"photos?\s+of\s+you",
         r"party", r"died", r"passed\s+away", r"accident"),
        ("부고", "별세", "장례", "청첩장", "결혼식", "돌잔치", "초대장", "모바일청첩"),
    ),
    "loan": (
        (r"loans?", r"mortgage", r"debts?", r"credit\s+(?:line|limit|score)", r"refinanc\w*",
         r"cash\s+advance", r"low\s+interest", r"homeowners?"),
        ("대출", "대환", "금리", "한도", "서민지원", "저금리", "자금", "정부지원", "채무",
         "신용등급", "햇살론", "새희망", "마이너스통장"),
    ),
    "family": (
        (r"mom", r"mum", r"dad", r"mother", r"father"),
        ("엄마", "아빠", "어머니", "아버지", "이모", "장모님", "아들", "딸", "오빠", "언니",
         "누나", "삼촌", "고모", "할머니", "할아버지", "여보"),
    ),
    "account": (
        (r"accounts?", r"suspend(?:ed)?", r"locked", r"lock(?:ed)?", r"verif(?:y|ication)",
         r"login", r"log\s*in", r"sign\s*in", r"password", r"unusual", r"suspicious",
         r"restrict(?:ed)?", r"blocked", r"disabled", r"reactivat\w*", r"security",
         r"profile", r"id\s*verification", r"on\s+hold", r"kyc", r"wallet"),
        ("계정", "로그인", "비밀번호", "정지", "차단", "해외아이피", "인증", "본인확인",
         "도용", "해킹", "개인정보", "유출", "잠금"),
    ),
    "prize": (
        (r"won", r"win(?:ner|ning)?s?", r"prizes?", r"award(?:ed)?", r"claim", r"free",
         r"gifts?", r"rewards?", r"bonus", r"vouchers?", r"selected", r"chosen",
         r"congratulations?", r"congrats", r"lucky", r"survey", r"discount", r"offer",
         r"cash", r"entry", r"draw", r"points", r"qualif\w*", r"eligible", r"approved", r"accepted",
         r"membership", r"giveaway", r"give\s+away", r"no\s+cost", r"guarantee[ds]?",
         r"valued\s+customer", r"holiday", r"cruise", r"vacation"),
        ("당첨", "경품", "이벤트", "무료", "쿠폰", "포인트", "사은품", "축하", "보상금",
         "지급", "선물", "선정", "대상자", "혜택"),
    ),
    "job": (
        (r"jobs?", r"hiring", r"recruit\w*", r"earn\w*", r"interview", r"positions?",
         r"salary", r"income",
         r"work\s+from\s+home", r"part[-\s]?time", r"per\s+(?:hour|day|week)", r"hourly",
         r"weekly"),
        ("구인", "모집", "알바", "재택", "부업", "채용", "일당", "수당", "고수익"),
    ),
    "investment": (
        (r"crypto\w*", r"bitcoin", r"invest\w*", r"stocks?", r"trading", r"profits?",
         r"returns?", r"btc", r"usdt"),
        ("주식", "코인", "리딩", "수익률", "종목", "투자", "급등", "거래소", "비트코인",
         "상한가"),
    ),
    "romance": (
        (r"wrong\s+number", r"sexy", r"dating", r"date", r"lonely", r"single",
         r"hot\w*", r"babes?", r"hunks?", r"flirt\w*", r"adult", r"intimate",
         r"admirer", r"chat"),
        ("만남", "애인", "조건만남", "외로", "채팅"),
    ),
    "premium": (
        (r"\d+p\s*/?\s*(?:msg|min|pm)", r"\d+\s*ppm", r"per\s+msg", r"p/msg",
         r"ringtones?", r"tones?", r"subscribe[ds]?", r"subscription", r"unsubscribe[ds]?",
         r"opt\s*out", r"stop\s+to", r"t&cs?", r"18\+", r"16\+", r"po\s*box",
         r"customer\s+service", r"helpline", r"mobile\s+update", r"camera\s+phone"),
        ("수신거부", "무료거부", "광고"),
    ),
}

_URGENCY_EN = (
    r"urgent(?:ly)?", r"immediate(?:ly)?", r"asap", r"now", r"today", r"tonight",
    r"final", r"last\s+(?:chance|attempt|notice|day)", r"expir(?:e|es|ed|ing|y)",
    r"within\s+\d+\s*(?:h|hrs?|hours?|days?)", r"\d+\s*(?:hrs?|hours?)", r"deadline",
    r"before", r"limited", r"act\s+fast", r"don'?t\s+miss", r"as\s+soon\s+as", r"attempt",
    r"pending", r"will\s+be\s+(?:suspended|closed|returned|cancel+ed|disabled|blocked)",
    r"important", r"alert", r"warning", r"notice",
)
_URGENCY_KO = ("긴급", "즉시", "오늘", "마감", "기한", "만료", "빨리", "급히", "바로", "금일",
               "지금", "최종", "조기", "당일", "한정", "급한", "안하면", "않을경우", "불이익",
               "주의", "경고", "통지", "고지", "안내문")
_CTA_EN = (
    r"click", r"tap", r"visit", r"call", r"text", r"txt", r"reply", r"confirm", r"verify",
    r"update", r"claim", r"pay", r"log\s*in", r"sign\s*in", r"follow", r"open", r"download",
    r"install", r"contact", r"send", r"go\s+to", r"log\s+onto", r"check", r"complete",
    r"fill", r"apply", r"register", r"collect", r"redeem", r"activate", r"respond",
    r"accept", r"submit", r"view", r"track", r"schedule", r"enter", r"find\s+out", r"get",
    r"join", r"buy", r"order", r"book", r"learn", r"discover", r"shop",
)
_CTA_KO = ("클릭", "접속", "확인", "전화", "연락", "문의", "회신", "답장", "설치", "신청",
           "접수", "조회", "입력", "보내", "송금", "입금", "상담", "등록", "수령", "참여",
           "문자줘", "문자해", "톡주", "추가", "눌러", "열기", "보기", "바로가기")

_MONEY = re.compile(
    r"(?:[$£€₩¥]\s?\d[\d,.]*|\d[\d,.]*\s?(?:usd|gbp|eur|dollars?|pounds?|won)\b|"
    r"\d[\d,.]*\s?(?:원|만원|억|천만|백만)|\d[\d,]*\s?(?:k|mil)\b\s*(?:cash|prize)|"
    r"[일이삼사오육칠팔구십백천]+\s?(?:만|억)\s?원?|\d+(?:\.\d+)?\s?%)",
    re.IGNORECASE,
)
# Phone numbers: 7-15 digits with the usual separators (not part of a longer run,
# not a date or an amount). Checked again by digit count below.
_PHONE = re.compile(r"(?<![A-Za-z0-9$£€.,/])(\+?\d[\d \-.()]{5,18}\d)(?![A-Za-z0-9%/])")
# A messenger and an ID: Korean names may run into the ID ("카톡sbi8282"); Latin
# names need a word boundary and either a separator ("Telegram: @x", "line id x")
# or an ID that looks like one (digits, underscore, @), so "online job" is no LINE ID.
_MESSENGER = re.compile(
    r"(?P<platform>카카오톡|카톡|텔레그램|텔레|라인|위챗|시그널)"
    r"\s*(?:id|아이디|친구추가|추가|톡|:|：|=|@|\s)*\s*"
    r"(?P<handle>@?[A-Za-z][A-Za-z0-9_.\-]{2,31}|\+?\d[\d\-]{6,15})|"
    r"\b(?P<platform2>kakao\s*talk|kakaotalk|kakao|katalk|telegram|whats\s*app|line|wechat|"
    r"signal)\b"
    r"(?:\s*(?:id|:|：|=|@)\s*(?P<handle2>@?[A-Za-z0-9][A-Za-z0-9_.\-]{2,31})|"
    r"\s+(?P<handle3>@[A-Za-z0-9_.]{3,32}|[A-Za-z_]*\d[A-Za-z0-9_.\-]{2,31}|\+?\d[\d\-]{6,15}))",
    re.IGNORECASE,
)
# "reply YES", "text STOP to 80086", "send GO to 83600", "문자줘", "답장 주세요".
_REPLY = re.compile(
    r"\b(?i:reply|respond|txt|text|send|sms)\s+(?:(?i:with)\s+)?['\"]?"
    r"(?:[A-Z0-9]{1,10}|(?i:yes|no|y|n|stop|\d))['\"]?(?:\s+(?i:to|on)\s+\d{4,6})?\b|"
    r"\b(?i:to|on)\s+\d{5}\b|"
    r"문자\s?(?:줘|주세요|줄래|부탁)|답장\s?(?:줘|주세요|바랍)|회신\s?(?:바랍|주세요|부탁)|"
    r"톡\s?(?:줘|주세요)",
)
_MONEY_HINT = re.compile(r"[\d$£€₩¥]|[일이삼사오육칠팔구십백천]\s?[만억]")
_OPENER = re.compile(
    r"\b(?:[Ii]s this|[Aa]re you|[Ii]s that)\s+(?:Mr\.?\s|Ms\.?\s|Mrs\.?\s)?[A-Z][a-z]{2,}\s*\?|"
    r"\bwrong (?:number|person)\b|\b(?:got|found|saved|have) your (?:number|contact)\b")
_INTRO = re.compile(
    r"\b(?:I'?m|I am|[Mm]y name is|[Tt]his is)\s+[A-Z][a-z]{2,}\b|\bnice to meet\b|"
    r"\bnew friend|\bbe friends\b", )
_OPT_OUT = re.compile(r"\b(?:stop|help|end|cancel|quit|unsubscribe|optout|info)\b",
                     re.IGNORECASE)
_APK = re.compile(r"\.apk\b|앱\s?설치|어플\s?설치|설치\s?(?:하|후|해)|install\s+(?:the\s+)?app",
                  re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63})+")
_HANGUL_RUN = re.compile(r"[^\uac00-\ud7a3]+")
_TOKEN_PATH = re.compile(r"[A-Za-z0-9_\-]{4,40}\Z")
# Five consonants in a row (y counts as a vowel): no English or romanised word does that.
_UNPRONOUNCEABLE = re.compile(r"[bcdfghjklmnpqrstvwxz]{5}", re.IGNORECASE)
# Top-level domains that registries sell for next to nothing and abuse reports
# rank highest (Spamhaus "most abused TLDs"; research/sms-templates.md §2.7).
_ABUSED_TLDS = frozenset((
    "top", "xyz", "vip", "shop", "icu", "help", "club", "online", "site", "live", "buzz",
    "cyou", "rest", "sbs", "cfd", "bond", "monster", "work", "click", "link", "guru",
    "today", "fund", "mba", "win", "loan", "tk", "ml", "ga", "cf", "gq", "best", "life",
))
# Links that open a chat instead of a web page.
_CHAT_LINK = re.compile(
    r"(?:https?://)?(?:whatsapp://|\bwa\.me/|chat\.whatsapp\.com/|\bt\.me/|telegram\.me/|"
    r"open\.kakao\.com/|pf\.kakao\.com/|line\.me/|\bqr\.kakao)", re.IGNORECASE)


_CYR_GREEK = re.compile(r"[\u0370-\u03ff\u0400-\u04ff]")
# A word mixing Latin letters with Cyrillic or Greek ones ("Ассount", "PаyPal").
_MIXED_WORD = re.compile(
    r"\b(?=\w*[A-Za-z])(?=\w*[\u0370-\u03ff\u0400-\u04ff])[A-Za-z\u0370-\u03ff\u0400-\u04ff]{3,}\b")


def _unmix(text: str) -> str:
    from trustcheck.registry.names import fold

    return " ".join(fold(word) if _MIXED_WORD.fullmatch(word) else word
                    for word in text.split(" "))


def _en_regex(words: Iterable[str]) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(words) + r")\b", re.IGNORECASE)


#: Pseudo-categories matched in the same pass as the intents.
_URGENCY, _ACTION = "_urgency", "_action"


_TOKEN = re.compile(r"[a-z0-9]+")
_PLAIN = re.compile(r"[a-z0-9]+\Z")
_DIGIT = re.compile(r"\d")


def _expand(pattern: str) -> set[str] | None:
    """Every string a small regex matches (literals, ``?``, ``(?:a|b)``), or None.

    Vocabulary entries are written as readable regex fragments ("payments?",
    "deliver(?:y|ed)?"); expanding them lets the scan look tokens up in a set.
    Anything beyond that grammar (``\\s``, ``\\d``, ``*`` …) returns None.
    """
    pos = 0

    def sequence() -> set[str]:
        nonlocal pos
        out = {""}
        while pos < len(pattern) and pattern[pos] not in "|)":
            ch = pattern[pos]
            if pattern.startswith("(?:", pos):
                pos += 3
                atom = alternatives()
                if pos >= len(pattern) or pattern[pos] != ")":
                    raise ValueError(pattern)
                pos += 1
            elif ch == "\\" and pos + 1 < len(pattern) and not pattern[pos + 1].isalnum():
                atom = {pattern[pos + 1]}
                pos += 2
            elif ch in "\\[]*+.{}^$(":
                raise ValueError(pattern)
            else:
                atom = {ch}
                pos += 1
            if pos < len(pattern) and pattern[pos] == "?":
                atom = atom | {""}
                pos += 1
            out = {a + b for a in out for b in atom}
            if len(out) > 64:
                raise ValueError(pattern)
        return out

    def alternatives() -> set[str]:
        nonlocal pos
        out = sequence()
        while pos < len(pattern) and pattern[pos] == "|":
            pos += 1
            out |= sequence()
        return out

    try:
        words = alternatives()
    except (ValueError, IndexError):
        return None
    return words if pos == len(pattern) else None


@dataclass(frozen=True, slots=True)
class _Vocab:
    """The vocabularies compiled for a few C-speed passes per text.

    English entries that expand to single words are looked up as a set
    intersection with the text's tokens; entries ending in ``\\w*`` become word
    prefixes; the few multi-word entries ("work from home", "150p/msg") run as
    regular expressions only when their first word (or a digit) is in the text.
    """

    en_words: Mapping[str, tuple[str, ...]]
    """Token -> categories."""
    en_prefix: re.Pattern[str] | None
    en_prefix_parts: Mapping[str, re.Pattern[str]]
    en_multi: Mapping[str, re.Pattern[str]]
    """First word of a multi-word entry (``#`` for a digit) -> the entries starting so."""
    en_parts: Mapping[str, re.Pattern[str]]
    ko: re.Pattern[str]
    ko_parts: Mapping[str, frozenset[str]]


@functools.cache
def _vocab() -> _Vocab:
    en_parts = {k: v[0] for k, v in _INTENTS.items()}
    en_parts[_URGENCY] = _URGENCY_EN
    en_parts[_ACTION] = _CTA_EN
    ko_parts = {k: v[1] for k, v in _INTENTS.items()}
    ko_parts[_URGENCY] = _URGENCY_KO
    ko_parts[_ACTION] = _CTA_KO
    every_ko = sorted({w for words in ko_parts.values() for w in words}, key=len, reverse=True)
    words: dict[str, dict[str, None]] = {}
    prefixes: dict[str, dict[str, None]] = {}
    multi: dict[str, dict[str, None]] = {}
    for category, fragments in en_parts.items():
        for fragment in fragments:
            stem = fragment.removesuffix(r"\w*")
            expanded = _expand(stem)
            if expanded is not None and all(_PLAIN.match(w) for w in expanded):
                target = prefixes if stem != fragment else words
                for w in expanded:
                    target.setdefault(w, {})[category] = None
                continue
            lead = re.match(r"[a-z]+", fragment)
            multi.setdefault(lead.group() if lead else "#", {})[fragment] = None
    prefix_parts = {
        k: re.compile("(?:" + "|".join(sorted(w for w, cats in prefixes.items() if k in cats))
                      + ")")
        for k in en_parts if any(k in cats for cats in prefixes.values())}
    return _Vocab(
        en_words={w: tuple(cats) for w, cats in words.items()},
        en_prefix=(re.compile(r"\b(?:" + "|".join(sorted(prefixes, key=len, reverse=True))
                              + r")[a-z0-9]*") if prefixes else None),
        en_prefix_parts=prefix_parts,
        en_multi={k: re.compile(r"\b(?:" + "|".join(v) + r")\b") for k, v in multi.items()},
        en_parts={k: re.compile("(?:" + "|".join(v) + r")\Z") for k, v in en_parts.items()},
        ko=re.compile("|".join(re.escape(w) for w in every_ko)),
        ko_parts={k: frozenset(v) for k, v in ko_parts.items()},
    )


@functools.lru_cache(maxsize=4096)
def _en_categories(word: str) -> tuple[str, ...]:
    """Categories of a multi-word or prefix hit (rare: the entries are few)."""
    vocab = _vocab()
    out = [k for k, pattern in vocab.en_parts.items() if pattern.match(word)]
    out.extend(k for k, pattern in vocab.en_prefix_parts.items()
               if k not in out and pattern.match(word))
    return tuple(out)


@functools.lru_cache(maxsize=8192)
def _ko_categories(word: str) -> tuple[str, ...]:
    # A matched run belongs to every category with a stem inside it: "본인확인" is an
    # account word and contains the action "확인".
    parts = _vocab().ko_parts
    return tuple(k for k, stems in parts.items() if any(s in word for s in stems))


def _words(lower: str, hangul: str) -> dict[str, tuple[str, ...]]:
    """Category -> matched words (at most 4 each), English then Korean."""
    vocab = _vocab()
    found: dict[str, dict[str, None]] = {}

    def note(word: str, categories: tuple[str, ...]) -> None:
        for category in categories:
            bucket = found.setdefault(category, {})
            if len(bucket) < 4:
                bucket[word] = None

    head = lower[:2000]
    tokens = _TOKEN.findall(head)
    present = set(tokens)
    hits = present & vocab.en_words.keys()
    if hits:
        for token in sorted(hits, key=tokens.index):  # in text order
            note(token, vocab.en_words[token])
    if vocab.en_prefix is not None:
        for n, m in enumerate(vocab.en_prefix.finditer(head)):
            if n >= 16:
                break
            note(m.group(), _en_categories(m.group()))
    leads = present & vocab.en_multi.keys()
    if _DIGIT.search(head) and "#" in vocab.en_multi:
        leads.add("#")
    for lead in leads:
        for n, m in enumerate(vocab.en_multi[lead].finditer(head)):
            if n >= 8:
                break
            note(m.group(), _en_categories(m.group()))
    if hangul:
        for n, m in enumerate(vocab.ko.finditer(hangul)):
            if n >= 64:
                break  # bounded work on long texts
            note(m.group(0), _ko_categories(m.group(0)))
    return {k: tuple(v) for k, v in found.items()}


# -------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class Contact:
    """A way to reach the sender that the text gives: a phone number or messenger ID."""

    kind: str
    """``phone``, ``messenger`` or ``email``."""
    value: str
    platform: str | None = None
    """Messenger name: ``kakaotalk``, ``telegram``, ``whatsapp``, ``line``, ``wechat`` …"""


@dataclass(frozen=True, slots=True)
class LureScan:
    """What :func:`scan_lures` saw in one text, and the findings it raised."""

    intents: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Category -> the words that matched it."""
    contacts: tuple[Contact, ...] = ()
    urgency: tuple[str, ...] = ()
    money: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()
    reply: tuple[str, ...] = ()
    findings: tuple[Finding, ...] = ()

    @property
    def lure(self) -> bool:
        """True when any lure finding of medium severity or more was raised."""
        return any(f.severity in (Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL)
                   for f in self.findings)


_PLATFORMS = (
    ("kakaotalk", ("카카오톡", "카톡", "kakao", "katalk")),
    ("telegram", ("텔레그램", "텔레", "telegram")),
    ("whatsapp", ("whats", "wa.me")),
    ("line", ("line", "라인")),
    ("wechat", ("wechat", "위챗")),
    ("signal", ("signal", "시그널")),
)


def _chat_platform(link: str) -> str:
    low = link.lower()
    if "whatsapp" in low or "wa.me" in low:
        return "whatsapp"
    if "kakao" in low:
        return "kakaotalk"
    if "line.me" in low:
        return "line"
    return "telegram"


def _platform(word: str) -> str:
    low = word.lower()
    for name, stems in _PLATFORMS:
        if low.startswith(stems):
            return name
    return low


def _first(pattern: re.Pattern[str], text: str, limit: int = 4) -> tuple[str, ...]:
    out: dict[str, None] = {}
    for m in pattern.finditer(text):
        out[m.group(0).strip().lower()] = None
        if len(out) >= limit:
            break
    return tuple(out)


def _phones(text: str) -> list[str]:
    out: list[str] = []
    for m in _PHONE.finditer(text):
        raw = m.group(1)
        digits = sum(c.isdigit() for c in raw)
        # 8-15 digits: Korean 1577-7011 has 8, E.164 at most 15. Dates ("2022.03.25")
        # and decimals use dots only: those are not numbers to call.
        if not 8 <= digits <= 15 or ("." in raw and "-" not in raw and " " not in raw):
            continue
        out.append(raw.strip())
        if len(out) >= 5:
            break
    return out


@functools.lru_cache(maxsize=4096)
def _premium_rate(number: str, regions: tuple[str, ...]) -> bool:
    """True if ``number`` is a valid premium-rate number read in one of ``regions``."""
    import phonenumbers

    for region in regions:
        try:
            parsed = phonenumbers.parse(number, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(parsed):
            return phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.PREMIUM_RATE
    return False


def _token_link(link: Link) -> bool:
    """A link whose last path segment is a random-looking token (``/4mx6``, ``/K5KjPGI``)."""
    from urllib.parse import urlsplit

    try:
        path = urlsplit(link.url).path
    except ValueError:
        return False
    segments = [seg for seg in path.split("/") if seg]
    if not segments or len(segments) > 3:
        return False
    token = segments[-1]
    if not _TOKEN_PATH.match(token):
        return False
    letters = sum(c.isalpha() for c in token)
    digits = sum(c.isdigit() for c in token)
    mixed_case = token != token.lower() and token[1:] != token[1:].lower()
    return bool(
        (letters and digits and len(token) >= 4)
        or (mixed_case and len(token) >= 5)
        or (digits >= 5 and not letters)  # a numeric ID: /40611
        or (len(token) >= 6 and _UNPRONOUNCEABLE.search(token) is not None)  # /vnbcbtd
    )


def _odd_link(link: Link) -> bool:
    """A link no brand would send: random token, bare IP, abused TLD, public shortener."""
    if _token_link(link) or "link.ip_literal" in link.flags or "link.shortener" in link.flags:
        return True
    host = link.host or ""
    return host.rsplit(".", 1)[-1] in _ABUSED_TLDS


def scan_lures(
    text: str,
    *,
    links: Sequence[Link] = (),
    brand_links: bool = False,
    own_numbers: frozenset[str] = frozenset(),
    country: str | None = None,
    trusted_sender: bool = False,
) -> LureScan:
    """Find lure intents, channels and pressure in an SMS text and raise findings.

    ``links`` are the text's links as :func:`trustcheck.links.analyze_links`
    returned them; ``brand_links`` is True when every link stays on the claimed
    brand's registered domains (such a link is the brand's, not a lure channel);
    ``own_numbers`` are the last 8 digits of the claimed brand's registered numbers
    (its own customer centre is no callback lure); ``country`` is the region
    numbers in the text are read in (default: KR for Korean text, else GB and US);
    ``trusted_sender`` is True when the sender is registered for the claimed brand.
    Never raises; reads at most :data:`TEXT_LIMIT` characters.
    """
    text = text[:TEXT_LIMIT]
    lower = text.lower()
    hangul = _HANGUL_RUN.sub("", text) if not text.isascii() else ""
    disguised = (_MIXED_WORD.findall(text)[:5]
                 if not text.isascii() and _CYR_GREEK.search(text) else [])
    if disguised:
        # "Ассount" with Cyrillic letters: read the vocabulary through the skeleton.
        lower = _unmix(lower)
    intents = _words(lower, hangul)
    urgency = intents.pop(_URGENCY, ())
    actions = intents.pop(_ACTION, ())
    if ("family" not in intents and hangul and _CASUAL_ASK.search(hangul) is not None
            and _family_scam(lower, hangul, relative=False)):
        intents["family"] = ("(no relative named)",)
    # Cheap substring tests first: most texts have no digit, no "@", no chat link.
    money = _first(_MONEY, text) if _MONEY_HINT.search(text) else ()
    # Opt-out and help keywords ("Reply STOP to cancel", "HELP 4 info") are what
    # carriers require of every bulk sender (CTIA guidelines): not a lure channel.
    # A registered sender's replies go back to the brand itself.
    reply = () if trusted_sender else tuple(
        r for r in _first(_REPLY, text) if not _OPT_OUT.search(r))

    contacts: list[Contact] = []
    messenger_spans: list[tuple[int, int]] = []
    for m in _MESSENGER.finditer(text):
        handle = m.group("handle") or m.group("handle2") or m.group("handle3") or ""
        if handle.lower() in ("id", "me", "app", "the", "and", ""):
            continue
        platform = m.group("platform") or m.group("platform2") or ""
        contacts.append(Contact("messenger", handle, _platform(platform)))
        messenger_spans.append(m.span())
        if len(contacts) >= 5:
            break
    chat = _CHAT_LINK.finditer(text) if ("://" in lower or ".me/" in lower
                                           or "kakao" in lower) else ()
    for m in chat:
        link = text[m.start():m.end() + 40].split()[0]
        contacts.append(Contact("messenger", link, _chat_platform(m.group(0))))
        break
    for phone in _phones(text):
        if re.sub(r"\D", "", phone)[-8:] in own_numbers:
            continue
        if not any(phone in text[a:b] for a, b in messenger_spans):
            contacts.append(Contact("phone", phone))
    if "@" in text:
        contacts.extend(Contact("email", e) for e in _first(_EMAIL, text, 3))

    navigable = [link for link in links if link.source != "redirect"]
    foreign_links = [] if brand_links else navigable
    channel = bool(foreign_links or contacts or reply)
    odd = [link for link in foreign_links if _odd_link(link)]
    pressure = bool(urgency or money)
    findings: list[Finding] = []

    def add(code: str, severity: Severity, message: str, **evidence: object) -> None:
        findings.append(Finding(code, severity, message, evidence))

    # -- the "wrong number" opener (FTC: the first text of romance and investment
    # scams): a stranger asks for someone by name, or says they got the number,
    # and introduces themself. No link or number: the lure is the reply.
    opener = _OPENER.search(text[:600])
    if opener is not None and _INTRO.search(text[:600]) is not None:
        add("lure.sms.stranger", Severity.MEDIUM,
            f"The text opens like a stranger's 'wrong number' message ({opener.group(0)!r}), "
            "the first step of romance and investment scams.", opener=opener.group(0))

    # -- intents
    for name, words in intents.items():
        if name == "family":
            # A relative's title alone is ordinary; the scam moves to a new number or
            # asks for money: broken phone, new number, transfer (research §2.6).
            if words[0] != "(no relative named)" and not _family_scam(lower, hangul, True):
                continue
            severity = Severity.MEDIUM
        elif name == "premium":
            if not (money or reply or any(c.kind == "phone" for c in contacts)):
                continue
            # Pay-per-message services: a charge, an opt-out keyword, a PO box — two of
            # these with a number or reply keyword is the premium-SMS business model.
            severity = (Severity.MEDIUM if (money or len(words) >= 2) and (reply or contacts)
                        else Severity.LOW)
        elif channel:
            # An object of the category, a way to act on it, and either pressure, an
            # imperative or a second object word: the shape of a lure.
            severity = Severity.MEDIUM
        elif money and actions and len(words) >= 3:
            # No link or number, but the whole pitch: several objects of one kind, an
            # amount and what to do ("대출 … 한도 … 금리 … 9000만원 … 상담받으세요"):
            # the reply goes to the sending number itself.
            severity = Severity.MEDIUM
        elif pressure and actions and len(words) >= 2:
            # The pitch without a channel: the reply goes to the sending number.
            severity = (Severity.MEDIUM if urgency and (money or len(words) >= 3)
                        else Severity.LOW)
        else:
            continue
        add(f"lure.sms.{name}", severity,
            f"The text reads as a {name.replace('_', ' ')} lure ({', '.join(words[:3])})"
            + (" with " + _channel_words(foreign_links, contacts, reply) if channel else "")
            + ".",
            category=name, words=list(words), urgency=list(urgency), money=list(money),
            actions=list(actions))

    if disguised:
        add("lure.disguised_text", Severity.MEDIUM,
            f"Words mix Latin with look-alike letters of other scripts ({disguised[0]}), "
            "written to slip past filters.", words=list(disguised))

    # -- channels
    phones = [c for c in contacts if c.kind == "phone"]
    if phones:
        asked = any(a in ("call", "전화", "문의", "연락", "상담", "contact", "text", "txt")
                    for a in actions)
        regions = (country,) if country else (("KR",) if hangul else ("GB", "US"))
        premium = [c.value for c in phones if _premium_rate(c.value, regions)]
        # A premium-rate number costs the caller money by itself; otherwise a number is
        # a lure channel with a lure intent, or when urged to call it.
        level = (Severity.MEDIUM if premium or (intents and (asked or pressure))
                 or (asked and pressure)
                 else Severity.LOW if asked or intents else None)
        if level is not None:
            add("lure.callback_number", level,
                f"The text asks the reader to call or text {phones[0].value}"
                + (" (a premium-rate number)" if premium else "")
                + " instead of using the brand's own channels.",
                numbers=[c.value for c in phones], premium_rate=premium)
    messengers = [c for c in contacts if c.kind == "messenger"]
    if messengers:
        add("lure.messenger_id", Severity.MEDIUM if intents else Severity.LOW,
            f"The text moves the conversation to {messengers[0].platform} "
            f"({messengers[0].value}).",
            contacts=[{"platform": c.platform, "id": c.value} for c in messengers])
    if reply and intents:
        add("lure.reply_keyword", Severity.LOW,
            f"The text asks for a reply ({reply[0]}).", reply=list(reply))
    apk = [link.url for link in navigable if ".apk" in link.url.lower()]
    if apk or (navigable and _APK.search(text)):
        add("lure.apk", Severity.HIGH,
            "The text asks to install an app from a link (Android packages spread "
            "smishing malware).", urls=apk or [navigable[0].url])
    if odd and not intents and (pressure or actions) and not any(
            f.code == "lure.token_link" for f in findings):
        add("lure.odd_link", Severity.MEDIUM,
            f"The text urges the reader to a link no brand would send "
            f"({odd[0].host or odd[0].url[:60]}: shortened, random, bare IP or abused TLD).",
            url=odd[0].url[:2000], urgency=list(urgency), actions=list(actions))
    elif foreign_links and not intents and (pressure or actions) and not any(
            f.code == "lure.token_link" for f in findings):
        # The same with an ordinary-looking link and an imperative: SMS between
        # people rarely carry links at all (0.4 % of the UCI/Mendeley ham).
        level = Severity.MEDIUM if actions else Severity.LOW
        add("lure.urged_link", level,
            f"The text urges the reader to open {foreign_links[0].host or 'a link'}"
            f" ({', '.join((*urgency, *money, *actions)[:3])}).",
            url=foreign_links[0].url[:2000], urgency=list(urgency), actions=list(actions))
    bare_ip = [link for link in foreign_links if "link.ip_literal" in link.flags]
    if bare_ip:
        add("lure.ip_link", Severity.MEDIUM,
            f"The text links to a bare IP address ({bare_ip[0].host}); brands link to their "
            "domains.", url=bare_ip[0].url[:2000])
    token = [link for link in foreign_links if _token_link(link)]
    if token:
        add("lure.token_link", Severity.MEDIUM,
            f"The link to {token[0].host or token[0].url[:60]} ends in a random token, the "
            "per-recipient tracking links bulk smishing uses.", url=token[0].url[:2000])
    return LureScan(intents=intents, contacts=tuple(contacts), urgency=urgency, money=money,
                    actions=actions, reply=reply, findings=tuple(findings))


# The family/acquaintance scam (메신저피싱): the phone broke, "I'm texting from a
# computer / new number", please send money or an ID photo (research §2.6).
_FAMILY_TROUBLE = re.compile(
    r"폰|액정|고장|수리|번호|컴퓨터|피씨|송금|계좌|돈|보내|인증|대신|카톡|부탁|급해|급하게|급히|"
    r"기프트\s?카드|상품권|문화상품|\bgift\s?cards?\b|"
    r"\bnew\s+(?:number|phone)\b|\bphone\s+(?:broke|is\s+broken|died)|\bthis\s+is\s+my\s+new\b|"
    r"\bsend\s+(?:me\s+)?money\b|\btransfer\b",
)
# Casual speech (반말) asking something: relatives write so, institutions never do.
_CASUAL_ASK = re.compile(
    r"(?:줘|줄래|해도\s?[돼되]|했어|거야|할래|[어야돼되]\s?[?？]|가능해|바빠|바뻐)")


def _family_scam(lower: str, hangul: str, relative: bool) -> bool:
    hits = {m.group(0) for m in _FAMILY_TROUBLE.finditer(lower)}
    # Korean relatives write 반말; in English the two troubles ("new number",
    # "send money") say enough.
    casual = _CASUAL_ASK.search(lower) is not None if hangul else True
    if relative:
        return len(hits) >= 3 or (len(hits) >= 2 and casual)
    return bool(hangul) and casual and len(hits) >= 3


def _channel_words(links: Sequence[Link], contacts: Sequence[Contact],
                   reply: Sequence[str]) -> str:
    parts: list[str] = []
    if links:
        parts.append(f"a link to {links[0].host or links[0].url[:60]}")
    parts.extend(f"a {c.platform or c.kind} contact {c.value}" for c in contacts[:1])
    if reply and not parts:
        parts.append(f"a reply keyword ({reply[0]})")
    return " and ".join(parts)
