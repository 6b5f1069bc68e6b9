"""Replies read as a person reads them: a corpus of replies we wrote ourselves, one per way mail clients and
people lay a reply out (inline answers, signatures, list footers, rules, quote headers in other languages)."""

import email
import email.policy
import time
from pathlib import Path

import pytest

from core.replies import reply_lines, reply_text
from core.services.entries import parse_marker

CORPUS = Path(__file__).parent / "reply_corpus" / "tricky"
EXPECTED = {
    "inline_answers": [
        ("done", "Finished the importer"),
        ("done", "Reviewed Alice's pull request"),
        ("done", "write the release notes"),
        ("blocker", "waiting on the legal review"),
    ],
    "html_inline_answers": [
        ("done", "Shipped the onboarding emails"),
        ("done", "Fixed two typos on the pricing page"),
        ("done", "record the demo"),
    ],
    "dash_name_signature": [
        ("done", "Tuned the slow search query"),
        ("done", "Moved the staging box to the new region"),
    ],
    "mailing_list_footer": [("done", "Wrote the migration guide"), ("done", "Answered the customer escalation")],
    "mailman_footer": [("done", "Cleaned up the backlog")],
    "dash_and_underscore_rules": [
        ("done", "Sorted the invoices"),
        ("done", "Fixed the flaky upload test"),
        ("goal", "ship the upload fix tomorrow"),
    ],
    "german_quote_header": [("done", "Angebot für den Kunden geschrieben"), ("done", "Server aktualisiert")],
    "russian_quote_header": [("done", "Подготовил отчёт для клиента"), ("blocker", "жду доступа к серверу")],
    "russian_wrote_header": [("done", "Провёл собеседование")],
    "french_quote_header": [("done", "Réunion avec l'équipe produit"), ("goal", "relire la spécification")],
    "spanish_quote_header": [("done", "Terminé la presentación"), ("done", "Llamé al proveedor")],
    # Outlook desktop in Japanese (iso-2022-jp), as text and HTML only: "差出人:/送信日時:/宛先:/件名:" blocks.
    "japanese_outlook_header": [("done", "見積書を作成しました"), ("done", "営業会議に参加")],
    "outlook_html_japanese": [("done", "議事録を共有"), ("done", "請求書を送付")],
    # Gmail in other languages, the quote header wrapped at 78 characters as Gmail's plain text wraps it.
    "japanese_gmail_header": [("done", "テスト環境を構築")],
    "gmail_french_wrapped": [("done", "Devis envoyé au client"), ("done", "Corrigé le bug d'affichage")],
    "gmail_spanish_wrapped": [("done", "Revisé el contrato")],
    "gmail_dutch_header": [("done", "Offerte verstuurd"), ("done", "Klantgesprek gevoerd")],
    "gmail_portuguese_header": [("done", "Reunião com o fornecedor")],
    "gmail_polish_header": [("done", "Wdrożyłem poprawkę")],
    "gmail_chinese_header": [("done", "完成了季度报告"), ("done", "修复了登录问题")],
    "samsung_german_original": [("done", "Zaun repariert"), ("done", "Angebot geschickt")],
    "lotus_notes_wrote_on": [("done", "Finished the audit checklist")],
    "sent_from_my_desk": [
        ("done", "Sent from my desk: the signed contracts to the printer"),
        ("done", "Booked the team offsite"),
    ],
}


def _entries_in(path: Path) -> list[tuple[str, str]]:
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    text, html = message.get_body(("plain",)), message.get_body(("html",))
    body = reply_text(text=text.get_content() if text else None, html=html.get_content() if html else None)
    return [parse_marker(line) for line in reply_lines(body)]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_it_reads_each_reply_as_a_person_would(name):
    assert _entries_in(CORPUS / f"{name}.eml") == EXPECTED[name]


def test_the_corpus_covers_every_file():
    assert {p.stem for p in CORPUS.glob("*.eml")} == set(EXPECTED)


@pytest.mark.parametrize(
    "line",
    ["Sent from my desk at home: the payroll run", "Sent from my laptop the fixed build to QA", "Get Outlook working"],
)
def test_it_keeps_a_real_line_that_starts_like_a_device_footer(line):
    assert reply_lines(reply_text(text=f"Booked the offsite\n{line}\n")) == ["Booked the offsite", line]


@pytest.mark.parametrize(
    "footer",
    ["Sent from my iPhone", "Sent from my Galaxy", "Sent from my Samsung Galaxy smartphone.", "Get Outlook for iOS"],
)
def test_it_drops_a_device_footer(footer):
    assert reply_lines(reply_text(text=f"Booked the offsite\n\n{footer}\n")) == ["Booked the offsite"]


@pytest.mark.parametrize(
    "line",
    [
        "Data: imported the Q3 numbers",
        "Do: nothing blocked today",
        "Temat: renamed in the CMS",
        "Od: tests moved to CI",
    ],
)
def test_it_keeps_a_line_that_looks_like_one_polish_header(line):
    # The reply parser's Polish rule took a single "Data:"/"Do:" line for a quoted header block.
    assert reply_lines(reply_text(text=f"{line}\nFixed the chart\n")) == [line, "Fixed the chart"]


def test_it_still_cuts_a_polish_outlook_header_block():
    text = (
        "Raport gotowy\n\nOd: Rocket <rocket@in.idonethis.test>\nWysłano: czwartek, 26 listopada 2026 17:00\n"
        "Do: Bob\nTemat: What did you get done?\n\nWhat did you get done today?\n"
    )
    assert reply_lines(reply_text(text=text)) == ["Raport gotowy"]


@pytest.mark.parametrize(
    "line",
    [
        "Op 3 december schreef ik het plan:",  # Dutch, "On 3 December I wrote the plan:", no address
        "Le 3 mars Paul et moi avons écrit ceci :",
        "Notes I wrote on 2 topics:",
        "2026年11月26日(木) 17:00 会議の議題:",
    ],
)
def test_it_keeps_a_members_line_shaped_like_a_foreign_quote_header_but_naming_no_address(line):
    assert reply_lines(reply_text(text=f"{line}\n- step one\n- step two\n")) == [line, "step one", "step two"]


def test_a_long_line_that_starts_like_a_quote_header_is_read_in_linear_time():
    # The parser's "Am … schrieb …:" rule backtracks far worse than linearly over such a line: this one
    # (5 200 characters) took over a minute, a 100 000-character one more than a worker's time limit.
    line = "Am 1 schrieb " * 400
    started = time.monotonic()
    assert reply_text(text=f"Shipped the fix\n{line}\n") == f"Shipped the fix\n{line.strip()}"
    assert time.monotonic() - started < 5


def test_long_lines_are_kept_whole_and_long_quoted_lines_stay_quoted():
    own, quoted = "Wrote up the incident review " * 20, "What did you get done today? " * 20
    text = f"{own}\nShort one\n\nOn Thu, Nov 26, 2026 at 5:00 PM Rocket <rocket@in.idonethis.test> wrote:\n> {quoted}\n"
    assert reply_lines(reply_text(text=text)) == [own.strip(), "Short one"]
    assert reply_lines(reply_text(text="Placeholder \ue0000\ue001 typed by hand\n")) == ["Placeholder  typed by hand"]


def test_it_drops_every_bullet_glyph_even_without_a_space_after_it():
    text = "•Shipped the API\n◦ Wrote the docs\n▪ Fixed the build\n‣Booked the venue\n- Planned the sprint\n"
    assert reply_lines(reply_text(text=text)) == [
        "Shipped the API",
        "Wrote the docs",
        "Fixed the build",
        "Booked the venue",
        "Planned the sprint",
    ]
