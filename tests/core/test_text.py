"""Entry HTML is sanitised by a maintained library (nh3), with the same one-tag allow-list as before."""

from pathlib import Path

from core.text import render_html

ROOT = Path(__file__).resolve().parents[2]


def test_it_no_longer_depends_on_the_deprecated_bleach():
    pins = (ROOT / "requirements" / "base.txt").read_text().lower().split()
    assert not [p for p in pins if p.startswith("bleach")] and any(p.startswith("nh3==") for p in pins)


def test_it_keeps_only_our_own_links_and_escapes_the_rest(db):
    html = render_html(
        '<b>bold</b> it\'s "quoted" https://example.com/a?b=1&c=2 #launch @bob <a href=javascript:x>x</a>',
        team_hash="t1",
        people={"bob": "u1"},
    )
    assert html == (
        "&lt;b&gt;bold&lt;/b&gt; it&#x27;s &quot;quoted&quot; "
        '<a href="https://example.com/a?b=1&amp;c=2" rel="nofollow noopener">https://example.com/a?b=1&amp;c=2</a> '
        '<a href="/t/t1/tags/launch/" class="tag">#launch</a> <a href="/t/t1/u/u1/" class="mention">@bob</a> '
        "&lt;a href=javascript:x&gt;x&lt;/a&gt;"
    )
