"""Turn the body of a reply email into the lines someone meant to post.

Quoted history, "On … wrote:" and Outlook header blocks, signatures and "Sent from my iPhone" are
removed by mail-parser-reply; this module only feeds it text (each part decoded by its charset, with
legacy fallbacks; HTML-only mail converted first) and covers the few mobile footers and forward
markers it does not know.
"""

import re
from html.parser import HTMLParser

from mailparser_reply import EmailReplyParser  # noqa: F401  (the maintained library we build on)
from mailparser_reply.parser import EmailMessage

MAX_LINES = 50
# A day's reply fits in far less; past this a huge mail is quoted history or pasted logs, and the reply
# parser's regexes take seconds per megabyte (a 20 MB text body would outlast the router's 30 s).
MAX_REPLY_CHARS = 100_000
_BULLET = re.compile(r"^\s*(?:[-*•·–]|\d{1,2}[.)])\s+")
_STOP_LINES = re.compile(
    r"^(?:-{2,}\s*Forwarded message\s*-{2,}|Begin forwarded message:|-{2,}\s*Original Message\s*-{2,}"
    r"|Sent from (?:Yahoo Mail|Mail for Windows|Outlook|my \w+)|Get Outlook for \w+|Sent with Proton Mail)",
    re.IGNORECASE,
)
_HIDDEN_HTML = {"blockquote", "style", "script", "head", "title"}
_QUOTE_CLASSES = {"gmail_quote", "yahoo_quoted", "moz-cite-prefix", "protonmail_quote"}
_BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "ul", "ol", "table", "hr"}
_VOID = {"br", "hr", "img", "meta", "link", "input", "wbr", "col", "area", "base", "source"}


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
    """The first plain-text and HTML bodies that are not attachments, as anymail's ``message.text`` and
    ``.html`` pick them, but decoded with :func:`decode_text` (anymail fails on an unknown charset)."""
    found = {"text/plain": None, "text/html": None}
    for part in message.walk():
        kind = part.get_content_type()
        if kind in found and found[kind] is None and not part.is_attachment():
            payload = part.get_payload(decode=True) or b""
            found[kind] = re.sub(r"\r\n|\r", "\n", decode_text(payload, part.get_content_charset()))
    return found["text/plain"] or "", found["text/html"] or ""


def html_to_text(html: str) -> str:
    parser = _TextFromHtml()
    parser.feed(html)
    parser.close()
    lines = [" ".join(line.split()) for line in "".join(parser.parts).splitlines()]
    return "\n".join(lines)


def reply_text(*, text: str | None, html: str | None = None) -> str:
    """The newest part of a reply: what the sender wrote above (or below) the quoted email."""
    body = text if text and text.strip() else html_to_text((html or "")[: MAX_REPLY_CHARS * 4])
    body = body[:MAX_REPLY_CHARS]
    message = EmailMessage(text=body, languages=["en"], keep_hyphen_lists=True).read()
    for reply in message.replies:
        written = [line for line in reply.body.splitlines() if not line.lstrip().startswith(">")]
        if any(line.strip() for line in written):
            return _until_stop_line(written)
    return ""


def _until_stop_line(lines: list[str]) -> str:
    kept = []
    for line in lines:
        if _STOP_LINES.match(line.strip()):
            break
        kept.append(line)
    return "\n".join(kept).strip()


def reply_lines(reply: str) -> list[str]:
    """One entry per non-empty line or bullet, bullets removed, markers left for ``parse_marker``."""
    lines = [_BULLET.sub("", line, count=1).strip() for line in reply.splitlines()]
    return [line for line in lines if line][:MAX_LINES]
