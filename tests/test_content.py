"""Generic lure detection (trustcheck.content): phrases, disguises, sender tricks, attachments.

Each table row is a message fragment and the finding codes it must (or must
not) raise; the negative rows are ordinary mail that uses nearby words.
"""

from __future__ import annotations

import base64

import pytest

from trustcheck.content import content_findings
from trustcheck.content.attachments import attachment_findings
from trustcheck.content.markup import inspect_markup
from trustcheck.content.text import disguises, scan_text
from trustcheck.message import parse_email
from trustcheck.message.mail import Attachment
from trustcheck.verdict import Link, Policy, Severity, Status

CLICK = Link(url="https://login.example.net/a", host="login.example.net",
             registrable_domain="example.net", source="href", text="Open")


def message(body: str, *, subject: str = "Hello", sender: str = "Shop <news@shop.example>",
            to: str = "alice.smith42@mail.example", extra: str = "",
            html: str | None = None) -> bytes:
    if html is None:
        head = "Content-Type: text/plain; charset=utf-8\r\n"
        part = f"{body}\r\n"
    else:
        head = 'Content-Type: multipart/alternative; boundary="b"\r\n'
        part = (f"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
                f"--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n{html}\r\n--b--\r\n")
    return (f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\n"
            f"Message-ID: <1@shop.example>\r\nMIME-Version: 1.0\r\n{extra}{head}\r\n{part}"
            ).encode()


def codes(raw: bytes, *, links: tuple[Link, ...] = (CLICK,), authenticated: bool = False
          ) -> dict[str, Severity]:
    found = content_findings(parse_email(raw), links=links, brand=None,
                             authenticated=authenticated)
    return {f.code: f.severity for f in found}


PHRASES = [
    ("Please verify your account to keep using the service.", "lure.credential"),
    ("Enter your recovery phrase to secure the wallet.", "lure.credential"),
    ("Your mailbox storage is full.", "lure.credential"),
    ("Bitte bestätigen Sie Ihre Identität über den Link.", "lure.credential"),
    ("Atualize seus dados cadastrais agora.", "lure.credential"),
    ("Vérifiez votre compte dès aujourd'hui.", "lure.credential"),
    ("본인 인증이 필요합니다.", "lure.credential"),
    ("Your account has been suspended.", "lure.threat"),
    ("We detected unauthorized access to your profile.", "lure.threat"),
    ("Ihr Konto wurde vorübergehend gesperrt.", "lure.threat"),
    ("Sua CNH está em processo de cassação.", "lure.threat"),
    ("카드가 정지되었습니다.", "lure.threat"),
    ("Your payment was declined, update your billing information.", "lure.payment"),
    ("Es fällt eine Zollgebühr von 2,99 € an.", "lure.payment"),
    ("Sua encomenda foi taxada.", "lure.payment"),
    ("Frais de livraison à régler.", "lure.payment"),
    ("Congratulations, you have won an iPhone!", "lure.prize"),
    ("Claim your reward before it is gone.", "lure.prize"),
    ("Herzlichen Glückwunsch! Ihr Gutschein wartet.", "lure.prize"),
    ("Parabéns, você ganhou um prêmio.", "lure.prize"),
    ("경품 당첨을 축하드립니다.", "lure.prize"),
    ("Accept your free BTC now.", "lure.prize"),
    ("Your staking rewards are ready.", "lure.prize"),
    ("I have a business proposal for you as next of kin.", "lure.advance_fee"),
    ("Ich habe eine Spende für Sie.", "lure.advance_fee"),
    ("Respond within 24 hours or lose access.", "lure.urgency"),
    ("Letzte Mahnung: handeln Sie sofort.", "lure.urgency"),
    ("Your parcel is on hold, reschedule your delivery.", "lure.delivery"),
    ("Le chauffeur n’a pas pu livrer votre colis.", "lure.delivery"),
    ("택배가 주소 불명으로 보류되었습니다.", "lure.delivery"),
    ("Click here to prove your identity.", "lure.credential"),
    ("Please update your Example Federal Credit Union profile.", "lure.credential"),
    ("Submit the requested information (PIN and/or CVV2) again.", "lure.credential"),
    ("Unverified accounts will be suspended.", "lure.threat"),
    ("Fraudulent activity has been registered on some of our accounts.", "lure.threat"),
    ("Hi, I am 24 years old and looking for a partner.", "lure.adult"),
    ("Lonely wives in your town want to chat.", "lure.adult"),
    ("Sex dating in your city: click for a date.", "lure.adult"),
    ("Be honest... would you date me?", "lure.adult"),
    ("Einsame Frauen aus deiner Nähe suchen Kontakt.", "lure.adult"),
    ("Hij vond het niet erg: vrouw zoekt man voor een avond.", "lure.adult"),
    ("She lost 12 kg in 3 weeks with this drink.", "lure.health"),
    ("Schnell abnehmen ohne Diät und ohne Sport.", "lure.health"),
    ("A Swiss discovery that can regrow your hair.", "lure.health"),
    ("Stake your ATOM for 18% APY today.", "lure.investment"),
    ("Ihre erste Bitcoin-Auszahlung ist bereit.", "lure.investment"),
    ("Earn up to $900 per day from home with our trading bot.", "lure.investment"),
    ("Werden Sie noch heute reich.", "lure.investment"),
    ("Play now and win: 200 free spins waiting.", "lure.gambling"),
    ("Jetzt 100% Einzahlungsbonus und 50 Freispiele sichern.", "lure.gambling"),
    ("Casino bonus without deposit for new players.", "lure.gambling"),
    ("Please take 5 minutes to update your personal records.", "lure.credential"),
    ("Urgent: account verification required.", "lure.credential"),
    ("Two-factor authentication (2FA) is now mandatory for all wallet users.", "lure.credential"),
    ("We earnestly ask you to start the confirmation of customers data.", "lure.credential"),
    ("Failure to update your records will result in closure.", "lure.threat"),
    ("I have gained access to your devices and recorded a video of you.", "lure.threat"),
    ("Users report assets missing from their accounts.", "lure.threat"),
    ("If you did not authorize this payment, cancel it below.", "lure.payment"),
    ("Send $1,300 in Bitcoin to the following wallet.", "lure.payment"),
    ("I seek your consent for an urgent business dealing.", "lure.advance_fee"),
    ("A fund of $53.7 million USD needs a manager.", "lure.advance_fee"),
    ("He would like to know if you are accepting his donation.", "lure.advance_fee"),
    ("Tenho uma oportunidade de negócio lucrativa para você.", "lure.advance_fee"),
    ("Kindly get back to me for more info.", "lure.advance_fee"),
    ("You are the beneficiary of the estate of my late client.", "lure.advance_fee"),
    ("Dear beneficiary, your compensation is approved.", "lure.advance_fee"),
    ("CUSTOMER NOTIFICATION: DETAILS CONFIRMATION", "lure.credential"),
    ("Read why this stock pick (OTCBB: AIMT) is a huge winner.", "lure.investment"),
    ("This security update requires our customers to confirm their details.",
     "lure.credential"),
    ("Im Zuge der Modernisierung des Softwares bitten wir Sie um Mithilfe.", "lure.credential"),
    ("Oferecemos empréstimos a uma taxa de juros de apenas 2%.", "lure.advance_fee"),
    ("We offer personal loans at an interest rate of only 3%.", "lure.advance_fee"),
    ("Anna shared a document with you: open it before Friday.", "lure.document"),
    ("Your statement is set for viewing.", "lure.document"),
    ("You have received a secure message from your bank.", "lure.document"),
    ("Please review and sign the agreement.", "lure.document"),
    ("Ihre Rechnung wurde zum Download bereitgestellt.", "lure.document"),
]


@pytest.mark.parametrize(("body", "code"), PHRASES)
def test_lure_phrases(body: str, code: str) -> None:
    assert codes(message(body)).get(code) is Severity.MEDIUM


@pytest.mark.parametrize(("body", "code"), PHRASES[:6])
def test_lure_without_a_way_to_act_is_low(body: str, code: str) -> None:
    assert codes(message(body), links=()).get(code) is Severity.LOW


@pytest.mark.parametrize(("body", "code"), PHRASES[:4])
def test_authenticated_sender_raises_no_phrase_lure(body: str, code: str) -> None:
    assert code not in codes(message(body), authenticated=True)


HAM = [
    "The patch fixes a use-after-free in sctp_do_8_2_transport; please review.",
    "Meeting moved to Thursday. The password for the wiki is in the usual place.",
    "The company reported $9.5 million in revenue; shares rose 3%.",
    "Your order has shipped and will arrive on Monday.",
    "Congrats on the release! The new cert expires in 2038.",
    "Wir freuen uns auf das Treffen am Montag.",
    "Obrigado pela sua mensagem, respondo amanhã.",
    "The meeting to discuss women in engineering is on Friday.",
    "The rich get richer, the article argues; read it before Monday.",
    "Memory loss of 12 kB per connection was fixed in 5.10.",
    "The bonus round of the quiz starts at 8.",
    "Throughput improved 15% with the new patch.",
    "The PIN and the PUK are printed on the card holder.",
    "Name your spouse as beneficiary in the pension form.",
    "ATM cards from abroad work at every branch.",
    "The startup raised $12 million in its second round.",
    "Please keep the records of the meeting for the audit.",
    "The 2FA code arrives by SMS when you log in.",
    "The central bank left the interest rate at 4.5% this quarter.",
    "The new release requires users to upgrade Python first.",
    "Your order confirmation and the booking confirmation are attached.",
    "Shares of the company fell 3% on the Nasdaq.",
    "Single-sign-on hookup code for the gateway is merged.",
    "I attached the document we discussed; comments welcome.",
    "The review of the spec document is on the agenda.",
]


@pytest.mark.parametrize("body", HAM)
def test_ordinary_mail_raises_no_lure(body: str) -> None:
    assert not [c for c in codes(message(body)) if c.startswith("lure.")]


DISGUISE = [
    ("Please R\u0435vi\u0435w your account", "mixed_script"),
    ("Pay\u200bPal security", "invisible"),
    ("invoice\u202efdp.exe", "bidi"),
    ("\U0001d418\U0001d40e\U0001d414\U0001d411 PHOTOS", "math_letters"),
]


@pytest.mark.parametrize(("text", "kind"), DISGUISE)
def test_disguises(text: str, kind: str) -> None:
    assert kind in {d.kind for d in disguises(text)}
    assert f"content.disguised_text.{kind}" in codes(message(text))


@pytest.mark.parametrize("text", ["Москва и Петербург", "plain English words",
                                  "emoji \U0001f468\u200d\U0001f4bb join",
                                  "preheader \u200c \u200c"])
def test_no_disguise_in_ordinary_text(text: str) -> None:
    assert disguises(text) == ()


def test_scan_text_folds_math_letters_so_phrases_match() -> None:
    assert "your account has been suspended" in scan_text(
        "", None, "Your account has been \U0001d42c\U0001d42e\U0001d42c\U0001d429\U0001d41e"
        "\U0001d427\U0001d41d\U0001d41e\U0001d41d")


SENDER = [
    (message("Hi", sender="Alerts <alerts@detran>"), "content.sender_domain_invalid", True),
    (message("Hi", sender="Alerts <alerts@detran.example>"), "content.sender_domain_invalid",
     False),
    (message("Hallo alice.smith42@mail.example, Ihr Paket"), "content.address_greeting", True),
    (message("Hello Alice, your order"), "content.address_greeting", False),
    (message("x", subject="alice.smith42, your reward"), "content.recipient_in_subject", True),
    (message("x", subject="alice.smith42@mail.example"), "content.recipient_in_subject", True),
    (message("x", subject="[list] alice.smith42", extra="List-Id: <l.example>\r\n"),
     "content.recipient_in_subject", False),
    (message("x", subject="Hello Alice"), "content.recipient_in_subject", False),
    (message("x", sender='"news@shop.example" <news@shop.example>'),
     "content.display_name_is_address", True),
    (message("x", sender="News <news@shop.example>"), "content.display_name_is_address", False),
    (message("x", html='<form><input name="p" type="password"></form>'),
     "content.password_form", True),
    (message("x", html='<form><input name="q" type="text"></form>'),
     "content.password_form", False),
    # Traces of throwaway bulk senders (content/bulk.py).
    (message("x", sender="Bath Savings <DwAhOwx@deck.example>"),
     "content.sender_random_local_part", True),
    (message("x", sender="Care <74zmptz2gou6@deck.example>"),
     "content.sender_random_local_part", True),
    (message("x", sender="Shop <zqhjsw@deck.example>"), "content.sender_random_local_part", True),
    (message("x", sender="Jane <jane.doe@mail.example>"), "content.sender_random_local_part",
     False),
    (message("x", sender="Ninja <NinjaAirfryer@shop.example>"),
     "content.sender_random_local_part", False),
    (message("x", sender="Ron <McDonald@farm.example>"), "content.sender_random_local_part",
     False),
    (message("x", sender="Alerts <noreply2024@bank.example>"),
     "content.sender_random_local_part", False),
    (message("x", sender="Strengths <strengths@coach.example>"),
     "content.sender_random_local_part", True),  # the known exception: five consonants
]


UNRELATED = Link(url="https://offers.example.org/c", host="offers.example.org",
                 registrable_domain="example.org", source="href", text="Buy")
HOME = Link(url="https://www.shop.example/p", host="www.shop.example",
            registrable_domain="shop.example", source="href", text="Shop")
TRACKER = Link(url="https://u1.ct.sendgrid.net/ls/click", host="u1.ct.sendgrid.net",
               registrable_domain="sendgrid.net", source="href", text="Buy")
HTML = "<p>Offer</p>"
UNSUBSCRIBE = "List-Unsubscribe: <mailto:u@shop.example>\r\n"
BULK = [
    ("links elsewhere, no unsubscribe", message("x", html=HTML), (UNRELATED,), True),
    ("one link home", message("x", html=HTML), (UNRELATED, HOME), False),
    ("unsubscribe header", message("x", html=HTML, extra=UNSUBSCRIBE), (UNRELATED,), False),
    ("list mail", message("x", html=HTML, extra="List-Id: <l.example>\r\n"), (UNRELATED,),
     False),
    ("plain text only", message("x"), (UNRELATED,), False),
    ("only an ESP click wrapper", message("x", html=HTML), (TRACKER,), False),
    ("DKIM d= of the linked domain",
     message("x", html=HTML, extra="DKIM-Signature: v=1; a=rsa-sha256; d=example.org; s=s;\r\n"),
     (UNRELATED,), False),
    ("a person's webmail", message("x", html=HTML, sender="Jo <jo.w@gmail.com>"), (UNRELATED,),
     False),
    ("a reply in a conversation", message("x", html=HTML, extra="In-Reply-To: <0@x.example>\r\n"),
     (UNRELATED,), False),
    ("envelope sender's domain",
     message("x", html=HTML, extra="Return-Path: <b@bounce.example.org>\r\n"), (UNRELATED,),
     False),
]


@pytest.mark.parametrize(("name", "raw", "links", "expected"), BULK, ids=[b[0] for b in BULK])
def test_links_unrelated_to_sender(name: str, raw: bytes, links: tuple[Link, ...],
                                   expected: bool) -> None:
    assert ("content.links_unrelated" in codes(raw, links=links)) is expected


REPLY = [
    ("reply-to elsewhere", message("Kindly get back to me.", extra="Reply-To: x@mail.example\r\n"),
     Severity.MEDIUM),
    ("free mailbox in the text", message("Kindly get back to me at jo.w@gmail.com today."),
     Severity.MEDIUM),
    ("no way to answer elsewhere", message("Kindly get back to me."), Severity.LOW),
    ("list mail", message("Kindly get back to me at jo.w@gmail.com.",
                          extra="List-Id: <l.example>\r\n"), Severity.LOW),
]


@pytest.mark.parametrize(("name", "raw", "severity"), REPLY, ids=[r[0] for r in REPLY])
def test_answer_elsewhere_is_a_way_to_act(name: str, raw: bytes, severity: Severity) -> None:
    assert codes(raw, links=()).get("lure.advance_fee") is severity


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (message("Email me for details: sgt.monica@gmail.com"), True),
        (message("Write to news@shop.example for details."), False),  # not a free mailbox
        (message("Reach me at news@shop.example or reply."), False),  # the sender itself
        (message("Email me at a.b@gmail.com", extra="List-Id: <l.example>\r\n"), False),
    ],
)
def test_reply_elsewhere_finding(raw: bytes, expected: bool) -> None:
    assert ("content.reply_elsewhere" in codes(raw, links=())) is expected


def test_lure_answered_at_a_free_mailbox_is_suspicious() -> None:
    raw = message("I have a business proposal for you. Email me: jo.w@gmail.com")
    found = content_findings(parse_email(raw), links=(), brand=None, authenticated=False)
    assert Policy().decide(found)[0] is Status.SUSPICIOUS


@pytest.mark.parametrize(("raw", "code", "expected"), SENDER)
def test_sender_and_recipient_cues(raw: bytes, code: str, expected: bool) -> None:
    assert (code in codes(raw)) is expected


ATTACHMENTS = [
    ("invoice.pdf.exe", "application/octet-stream", "attachment.double_extension"),
    ("invoice\u202efdp.exe", "application/octet-stream", "attachment.double_extension"),
    ("setup.EXE. ", "application/octet-stream", "attachment.executable"),
    ("run", "application/x-msdownload", "attachment.executable"),
    ("mail-settings.mobileconfig", "application/octet-stream", "attachment.executable"),
    ("Documents.library-ms", "application/octet-stream", "attachment.executable"),
    ("statement.html", "text/html", "attachment.html"),
    ("Payment.SVG", "image/svg+xml", "attachment.html"),
    ("orders.xlsm", "application/vnd.ms-excel", "attachment.macro"),
    ("scan.iso", "application/octet-stream", "attachment.archive"),
    ("photos.zip", "application/zip", "attachment.archive"),
    ("report.pdf", "application/pdf", None),
    ("logo.png", "image/png", None),
    (None, "text/calendar", None),
]


@pytest.mark.parametrize(("name", "ctype", "code"), ATTACHMENTS)
def test_attachments(name: str | None, ctype: str, code: str | None) -> None:
    att = Attachment(filename=name, content_type=ctype, size=10, disposition="attachment",
                     is_inline=False)
    assert [f.code for f in attachment_findings([att])] == ([code] if code else [])


def test_attachment_in_a_real_message() -> None:
    payload = base64.b64encode(b"MZ fake").decode()
    raw = (b"From: a@shop.example\r\nTo: b@mail.example\r\nSubject: Invoice\r\n"
           b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n'
           b"--b\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n"
           b"--b\r\nContent-Type: application/octet-stream\r\n"
           b'Content-Disposition: attachment; filename="invoice.pdf.exe"\r\n'
           b"Content-Transfer-Encoding: base64\r\n\r\n" + payload.encode() + b"\r\n--b--\r\n")
    found = codes(raw, links=())
    assert found.get("attachment.double_extension") is Severity.HIGH


# (body, subject, expected status under the default policy)
POLICY_CASES = [
    # One lure alone is a cue, not a verdict.
    ("Please verify your account.", "Notice", Status.UNVERIFIED),
    # A lure with deadline pressure: two independent cues.
    ("Please verify your account within 24 hours.", "Notice", Status.SUSPICIOUS),
    # A lure with disguised text: a lure plus deceptive evidence.
    ("Please verify your acc\u043eunt now.", "Notice", Status.PHISHING),
    ("Thanks for the patch, applied.", "Re: [PATCH] sctp", Status.UNVERIFIED),
]


@pytest.mark.parametrize(("body", "subject", "status"), POLICY_CASES)
def test_default_policy_on_content_findings(body: str, subject: str, status: Status) -> None:
    found = content_findings(parse_email(message(body, subject=subject)), links=(CLICK,),
                             brand=None, authenticated=False)
    assert Policy().decide(found)[0] is status


@pytest.mark.parametrize("raw", [b"", b"\x00\xff" * 5000, b"Subject: " + b"\xe2\x80\xae" * 3000,
                                 message("a" * 500_000)])
def test_hostile_input_never_crashes(raw: bytes) -> None:
    assert isinstance(content_findings(parse_email(raw), links=(), brand=None,
                                       authenticated=False), tuple)


_FILLER = " ".join(["weather garden table river"] * 10)  # 40 words
MARKUP = [
    # (html, plain text part, code, expected)
    (f'<p>Hi</p><div style="display:none">{_FILLER}</div>', "Hi", "content.hidden_text", True),
    (f'<p>Hi</p><span style="font-size:0px;">{_FILLER}</span>', "Hi", "content.hidden_text",
     True),
    (f'<p>Hi</p><div style="opacity: 0"><p>{_FILLER}</p></div>', "Hi", "content.hidden_text",
     True),
    # A preheader line is hidden by every newsletter: not a finding.
    ('<div style="display:none;max-height:0">Your weekly digest of the best articles</div>'
     "<p>Hello</p>", "Hello", "content.hidden_text", False),
    (f"<p>{_FILLER}</p>", _FILLER, "content.hidden_text", False),
    (f'<p style="font-size:10px">{_FILLER}</p>', _FILLER, "content.hidden_text", False),
    (f'<p style="font-size:1em">{_FILLER}</p>', _FILLER, "content.hidden_text", False),
    (f'<p style="font-size: 1px">{_FILLER}</p>', "", "content.hidden_text", True),
    # Moved off the screen, inline or by a class rule.
    (f'<p>Hi</p><div style="position:absolute;left:-9999px">{_FILLER}</div>', "Hi",
     "content.hidden_text", True),
    (f'<style>.below {{ margin-top: 470500px; }}</style><p>Hi</p><div class="below">{_FILLER}'
     "</div>", "Hi", "content.hidden_text", True),
    (f'<style>p.x, .gone{{display:none}}</style><p>Hi</p><div class="a gone">{_FILLER}</div>',
     "Hi", "content.hidden_text", True),
    # Responsive mail: the mobile copy is hidden on desktop and shown by @media.
    ("<style>.mobile-only{display:none;max-height:0}"
     "@media only screen and (max-width:480px){.mobile-only{display:block !important}}</style>"
     f'<p>Hi</p><div class="mobile-only">{_FILLER}</div>', "Hi", "content.hidden_text", False),
    # A hiding rule inside @media only applies on some screens.
    ("<style>@media only screen and (max-width:480px){.desktop{display:none}}</style>"
     f'<p>Hi</p><div class="desktop">{_FILLER}</div>', "Hi", "content.hidden_text", False),
    (f'<p>Hi</p><div style="padding-top:1000px">{_FILLER}</div>', "Hi",
     "content.hidden_text", False),
    ('<a href="https://x.example/a"><img src="cid:1"></a>', "", "content.image_only", True),
    ('<a href="https://x.example/a"><img src="cid:1"></a>', "Click", "content.image_only",
     True),
    (f'<a href="https://x.example/a"><img src="cid:1"></a><p>{_FILLER}</p>', _FILLER,
     "content.image_only", False),
    ("<p>no picture</p>", "no picture", "content.image_only", False),
]


@pytest.mark.parametrize(("html", "text", "code", "expected"), MARKUP)
def test_markup_tricks(html: str, text: str, code: str, expected: bool) -> None:
    assert (code in codes(message(text, html=html))) is expected


@pytest.mark.parametrize("html", ["", "<", "<div style='display:none'>" * 5000,
                                  "\x00<p style='display:none'>\x01</p>"])
def test_markup_never_raises(html: str) -> None:
    assert inspect_markup(html).hidden_words == 0


def test_image_only_needs_a_link() -> None:
    raw = message("", html='<img src="cid:1">')
    assert "content.image_only" not in codes(raw, links=())


def test_unquoted_yaml_phrase_is_a_config_error() -> None:
    from trustcheck.content.lexicon import _compile
    from trustcheck.errors import ConfigError

    with pytest.raises(ConfigError, match="not a string"):
        _compile("x", {"phrases": [{"(?": "a)"}]})
