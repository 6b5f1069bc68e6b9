"""Turn the body of a reply email into the lines someone meant to post, read as a person reads them.

mail-parser-reply finds the quoted history ("On … wrote:" in every language it knows, Outlook header
blocks), signatures and disclaimers; this module feeds it text (each part decoded by its charset, with
legacy fallbacks; HTML-only mail converted first), adds the quote headers it lacks (Russian, Spanish as
Gmail writes it), narrows its "Sent from my …" rule to real devices, keeps answers written between quoted
parts, and drops footers and rules nobody means to post.
"""

import re
from html.parser import HTMLParser

from mailparser_reply.constants import MAIL_LANGUAGES, QUOTED_MATCH_INCLUDE
from mailparser_reply.parser import EmailMessage

MAX_LINES = 50
# A day's reply fits in far less; past this a huge mail is quoted history or pasted logs, and the reply
# parser's regexes take seconds per megabyte (a 20 MB text body would outlast the router's 30 s).
MAX_REPLY_CHARS = 100_000
LANGUAGES = [code for code in MAIL_LANGUAGES if code != "david"]  # "david" is one vendor's software, not a language
_Q = QUOTED_MATCH_INCLUDE
# Up to 200 characters of a line: a quote header's line is shorter, and an unbounded one would make a
# 40 000-character line cost seconds per rule (each "…\d…" backtracks over the line once per position).
_L = r"[^\n]{0,200}"
_NEXT = rf"(?:\n{_Q}{_L})?"  # and at most one more: Gmail wraps its quote header at 78 characters
_ADDRESS = rf"(?={_L}{_NEXT}@)"  # Gmail's headers name the address: a line of the member's own never does


def _wrapped(start: str, verb: str) -> str:
    """Gmail's "<start> <date> … <verb> <name> <address>:" in one language, whole or wrapped onto two lines."""
    return rf"(^{_ADDRESS}{_Q}{start}\s{_L}\d{_L}{_NEXT}\s{verb}{_L}{_NEXT}:$)"


# Quote headers the library does not know, each one capturing group (the library collects groups).
_MORE_WROTE_HEADERS = "|".join(
    [
        rf"(^{_Q}El\s.+\sescribió:$)",  # Gmail in Spanish: "El jue, 26 nov 2026 a las 11:00, Ana (<a@x>) escribió:"
        # Russian clients: "…, Иван <i@x> написал:"; The Bat! and others: "26.11.2026 17:00, Иван пишет:"
        rf"(^{_Q}.{{4,200}}\s(?:написал(?:а|\(а\))?|пишет):$)",
        # Gmail in Russian: "чт, 26 нояб. 2026 г. в 20:00, Иван <i@x>:"
        rf"(^{_Q}(?:[а-я]{{2}},\s)?\d{{1,2}}\s[а-я]+\.?\s\d{{4}}\sг\.,?\sв\s\d{{1,2}}:\d{{2}},\s.+:$)",
        # Gmail in other languages, whole or wrapped (the library's rules want one line, or "schreef:" right
        # after the date): French, Spanish, Portuguese, Dutch, Italian, German.
        _wrapped("Le", r"a\s[ée]crit"),
        _wrapped("El", "escribió"),
        _wrapped("Em", "escreveu"),
        _wrapped("Op", "schreef"),
        _wrapped("Il", "ha scritto"),
        _wrapped("Am", "schrieb"),
        # Gmail in Polish: "czw., 26 lis 2026 o 17:00 Ana <a@x> napisał(a):"
        rf"(^{_ADDRESS}{_Q}{_L}\d{{4}}{_L}{_NEXT}\snapisał\(a\):$)",
        # Gmail in Japanese: "2026年11月26日(木) 17:00 Rocket <r@x>:" (the library's rule leaves the ":" behind)
        rf"(^{_ADDRESS}{_Q}\d{{4}}年\d{{1,2}}月\d{{1,2}}日[(（].[)）] ?\d{{1,2}}:\d{{2}}{_L}{_NEXT}>[:：]$)",
        # Gmail in Chinese: "Ana <a@x> 于2026年11月26日周四 17:00写道："
        rf"(^{_ADDRESS}{_Q}{_L}{_NEXT}于\s?\d{{4}}年\d{{1,2}}月\d{{1,2}}日{_L}写道[:：]$)",
        # Lotus Notes: "Ana <a@x> wrote on 26/11/2026 17:00:00:", German "… schrieb am 26.11.2026 17:00:00:"
        rf"(^{_Q}{_L}\s(?:wrote on|schrieb am)\s\d{{1,4}}[./-]\d{{1,2}}[./-]\d{{2,4}}\s\d{{1,2}}:\d{{2}}{_L}:$)",
        # Samsung and old Outlook separators in other languages ("-------- Ursprüngliche Nachricht --------").
        rf"(^{_Q}-{{3,}} ?(?:Ursprüngliche Nachricht|Message d'origine|Mensaje original|Mensagem original"
        r"|Oorspronkelijk bericht|Messaggio originale|Originalmeddelande|Исходное сообщение|Wiadomość oryginalna"
        r"|Původní zpráva|原始邮件|元のメッセージ) ?-{3,}$)",
    ]
)
_MORE_FROM_HEADERS = "|".join(
    rf"((?:(?:^|\n|\n{_Q})[* ]*(?:{keys})[ *]*[:：][ *]*(?:\s{{,2}}).*){{2,}})"
    for keys in (
        "От|Отправлено|Кому|Тема|Дата|Копия",  # Russian Outlook
        "差出人|送信日時|宛先|件名|日付|CC",  # Japanese Outlook
        "寄件者|寄件日期|收件者|主旨|副本",  # Outlook in Traditional Chinese
    )
)
# Only real devices: "Sent from my desk: the contracts" is something someone did.
_DEVICES = (
    r"iPhone|iPad|iPod|Apple Watch|Android|BlackBerry|Galaxy|Samsung|Huawei|Pixel|Xiaomi|OnePlus|Motorola|Nokia"
    r"|Sony|HTC|LG|Windows Phone|Fairphone|mobile|phone|smartphone|tablet|Surface|Mac|iMac|MacBook"
)
_DEVICE_FOOTERS = rf"Sent from my(?= (?:{_DEVICES})\b)|Get Outlook for(?= (?:iOS|Android)\b)"
# No quote header has a line this long; longer lines are kept out of the parser's sight (_set_aside_long_lines).
MAX_PARSED_LINE = 300
_LONG_LINE = re.compile(rf"^[^\n]{{{MAX_PARSED_LINE},}}$", re.MULTILINE)
_QUOTE_PREFIX = re.compile(r"[>\s]*")
_PLACEHOLDER = re.compile("\ue000(\\d+)\ue001")
# "•" and the other bullet glyphs never start a word, so they need no space after them (phones often leave none).
_BULLET = re.compile(r"^\s*(?:[•◦▪‣⁃]\s*|(?:[-*·–]|\d{1,2}[.)])\s+)")
_RULE = re.compile(r"^[-_=*~–—.·•\s]{3,}$")  # a line drawn to separate things, never an entry
_SIGNATURE_START = re.compile(r"^(?:--|—|__)\s*$")  # "-- " is the standard signature delimiter
_DASH_NAME = re.compile(r"^[-–—~]{1,2} ?[A-Z][\w.'’]*(?: [A-Z][\w.'’]*){0,2}$")  # "-Bob", "— Bob B."
_STOP_LINES = re.compile(
    r"^(?:-{2,}\s*Forwarded message\s*-{2,}|Begin forwarded message:|-{2,}\s*Original Message\s*-{2,}"
    rf"|Sent from (?:Yahoo Mail|Mail for Windows|Outlook)|Sent from my (?:{_DEVICES})\b|Get Outlook for (?:iOS|Android)"
    r"|Sent with Proton Mail"
    r"|You received this (?:message|email) because you are subscribed to|To unsubscribe from this group)",
    re.IGNORECASE,
)
_LIST_FOOTER = re.compile(r"^\S.{0,60} mailing list$")  # Mailman's "<Team> mailing list" after a rule
_HIDDEN_HTML = {"blockquote", "style", "script", "head", "title"}
_QUOTE_CLASSES = {"gmail_quote", "yahoo_quoted", "moz-cite-prefix", "protonmail_quote"}
_BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "ul", "ol", "table", "hr"}
_VOID = {"br", "hr", "img", "meta", "link", "input", "wbr", "col", "area", "base", "source"}


class _Reply(EmailMessage):
    """The library's message, with the quote headers it lacks and its device-footer rule narrowed."""

    def _get_language_regex(self, language: str, regex_key: str) -> str:
        pattern = super()._get_language_regex(language=language, regex_key=regex_key)
        if language == "pl" and regex_key == "from_header":
            # The library takes one Polish header line for a header block, so "Data: imported the Q3
            # numbers" or "Do: …" cut the reply there; a real block has two lines, as every language's.
            return pattern.replace("){1,}", "){2,}", 1)
        if language != "en":
            return pattern
        if regex_key == "sent_from":
            return _DEVICE_FOOTERS
        more = {"wrote_header": _MORE_WROTE_HEADERS, "from_header": _MORE_FROM_HEADERS}.get(regex_key)
        return f"{pattern}|{more}" if more else pattern


class _TextFromHtml(HTMLParser):
    """Visible text with a line per block; quoted blocks (blockquote, Gmail/Yahoo quote divs) dropped."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.stack: list[bool] = []  # per open element: does it hide its content?

    def handle_starttag(self, tag, attrs):
        classes = set((dict(attrs).get("class") or "").split())
        hides = tag in _HIDDEN_HTML or bool(classes & _QUOTE_CLASSES)
        if tag in _BLOCKS:
            self.parts.append("\n")
        if tag == "li" and not self._hidden():
            self.parts.append("- ")
        if tag not in _VOID:
            self.stack.append(hides)

    def handle_endtag(self, tag):
        if tag in _VOID:
            return
        if self.stack:
            self.stack.pop()
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self._hidden():
            self.parts.append(re.sub(r"\s+", " ", data.replace("\xa0", " ")))  # source newlines are spaces

    def _hidden(self) -> bool:
        return any(self.stack)


def decode_text(data: bytes, charset: str | None = None) -> str:
    """Text from a part's bytes: the declared charset when Python knows it and the bytes fit it, else
    UTF-8, else windows-1252 (what undeclared 8-bit mail nearly always is), else UTF-8 with U+FFFD for
    what nothing reads, so a wrong guess shows as replacement characters rather than silently garbled."""
    for candidate in (charset, "utf-8", "cp1252"):
        if not candidate:
            continue
        try:
            return data.decode(candidate)
        except (LookupError, UnicodeDecodeError):  # unknown-8bit, x-bogus, or bytes the charset lies about
            continue
    return data.decode("utf-8", errors="replace")


def body_texts(message) -> tuple[str, str]:
    """The sender's plain text and first HTML body, not attachments (nor files, nor in an attached email),
    decoded with :func:`decode_text` (anymail fails on an unknown charset). Every plain-text part is read,
    in order: Apple Mail splits the text around a photo put in the middle (text, image, text)."""
    plain, html = [], None
    for part in _own_parts(message):
        kind = part.get_content_type()
        # A named part is a file even when marked inline (Apple Mail) or not marked at all.
        if kind not in ("text/plain", "text/html") or part.is_attachment() or _filename(part):
            continue
        if kind == "text/html" and html is not None:
            continue
        payload = part.get_payload(decode=True) or b""
        text = re.sub(r"\r\n|\r", "\n", decode_text(payload, part.get_content_charset()))
        if kind == "text/html":
            html = text
        elif (part.get_param("format") or "").lower() == "flowed":
            plain.append(unflow(text, delsp=(part.get_param("delsp") or "").lower() == "yes"))
        else:
            plain.append(text)
    return "\n".join(plain), html or ""


def _filename(part) -> str:
    try:
        return part.get_filename() or ""
    except (ValueError, LookupError, TypeError, AttributeError):  # a hostile Content-Disposition
        return ""


def _own_parts(part):
    """The parts the sender wrote: not those of an email attached or forwarded inside this one (a
    message/rfc822 part), whose text would otherwise be read as the reply when the sender's is HTML only."""
    if part.get_content_maintype() == "message":
        return
    if part.is_multipart():
        for sub in part.get_payload():
            yield from _own_parts(sub)
    else:
        yield part


def unflow(text: str, *, delsp: bool = False) -> str:
    """RFC 3676 format=flowed as the sender typed it: a line ending in a space goes on in the next one of
    the same quote depth (Thunderbird, Apple Mail and others wrap long lines so), else one entry would
    become two. With delsp=yes that space was added by the wrapping and goes too."""
    lines: list[tuple[int, str, bool]] = []  # (quote depth, text, flows into the next line)
    for raw in text.split("\n"):
        depth = len(raw) - len(raw.lstrip(">"))
        line = raw[depth:]
        line = line[1:] if line.startswith(" ") else line  # space-stuffing
        flowed = line.endswith(" ") and line != "-- "  # the signature separator never flows
        if flowed and delsp:
            line = line[:-1]
        if lines and lines[-1][2] and lines[-1][0] == depth:
            lines[-1] = (depth, lines[-1][1] + line, flowed)
        else:
            lines.append((depth, line, flowed))
    return "\n".join((">" * depth + " " if depth else "") + line for depth, line, _ in lines)


def html_to_text(html: str) -> str:
    parser = _TextFromHtml()
    parser.feed(html)
    parser.close()
    lines = [" ".join(line.split()) for line in "".join(parser.parts).splitlines()]
    return "\n".join(lines)


def reply_text(*, text: str | None, html: str | None = None) -> str:
    """What the sender wrote: above the quoted email, below it, or between its quoted parts (inline answers)."""
    body = text if text and text.strip() else html_to_text((html or "")[: MAX_REPLY_CHARS * 4])
    body, set_aside = _set_aside_long_lines(body[:MAX_REPLY_CHARS])
    parts = []
    for n, reply in enumerate(_read(body).replies):
        lines = reply.full_body.splitlines()
        if n and not any(_quoted(line) for line in lines):
            break  # history quoted without ">" (an Outlook header block, a forward): not the sender's words
        # Signatures are looked for in the sender's own lines only: a quoted "-- " must not cut an answer after it.
        own = "\n".join(line for line in lines if not _quoted(line))
        if not own.strip():
            continue
        own_replies = _read(own).replies  # more than one: a header inside the sender's part starts history
        kept, stopped = _until_stop_line(own_replies[0].body.splitlines())
        parts.append(kept)
        if stopped or len(own_replies) > 1:
            break
    return _put_back("\n".join(part for part in parts if part).strip(), set_aside)


def _set_aside_long_lines(body: str) -> tuple[str, list[str]]:
    """Each line past ``MAX_PARSED_LINE`` replaced by a placeholder (its quote marks kept) until the parse is
    done. No quote header is that long, and the parser's rules cost far more than linearly on a long line
    that starts like one: "Am 1 schrieb Am 1 schrieb …" held a worker for minutes, past its time limit."""
    set_aside: list[str] = []

    def placeholder(match: re.Match) -> str:
        line = match.group(0)
        prefix = _QUOTE_PREFIX.match(line).group(0)
        set_aside.append(line[len(prefix) :].strip())  # as the parser strips every line
        return f"{prefix}\ue000{len(set_aside) - 1}\ue001"

    body = _PLACEHOLDER.sub("", body)  # a sender's own placeholders would read another line back
    return _LONG_LINE.sub(placeholder, body), set_aside


def _put_back(text: str, set_aside: list[str]) -> str:
    return _PLACEHOLDER.sub(lambda match: set_aside[int(match.group(1))], text)


def _read(text: str) -> EmailMessage:
    return _Reply(text=text, languages=list(LANGUAGES), keep_hyphen_lists=True).read()


def _quoted(line: str) -> bool:
    return line.lstrip().startswith(">")


def _until_stop_line(lines: list[str]) -> tuple[str, bool]:
    """The lines before a footer or forwarded part (and whether one was found), rules left out."""
    kept: list[str] = []
    for n, line in enumerate(lines):
        text = line.strip()
        following = lines[n + 1].strip() if n + 1 < len(lines) else ""
        if (
            _STOP_LINES.match(text)
            or _SIGNATURE_START.match(text)
            or (_RULE.match(text) and _LIST_FOOTER.match(following))
        ):
            return _without_dash_signature(kept), True
        if not _RULE.match(text):
            kept.append(line)
    return _without_dash_signature(kept), False


def _without_dash_signature(lines: list[str]) -> str:
    """A last line "-Bob" after a blank line is a sign-off, not something Bob did."""
    while lines and not lines[-1].strip():
        lines.pop()
    if len(lines) >= 2 and _DASH_NAME.match(lines[-1].strip()) and not lines[-2].strip():
        lines.pop()
    return "\n".join(lines).strip()


def reply_lines(reply: str) -> list[str]:
    """One entry per non-empty line or bullet, bullets removed, markers left for ``parse_marker``."""
    lines = [_BULLET.sub("", line, count=1).strip() for line in reply.splitlines()]
    return [line for line in lines if line][:MAX_LINES]
