"""Markdown written by a collectivité's agents, shown to hosts.

One renderer for every text: CommonMark with raw HTML never rendered, then cleaned by nh3 to
an allow-list of tags and of link schemes (no image from another site, no script, no style).
`render_markdown` for news, home texts and previews (headings shifted below the page's h1),
`legal_html` for the CGU and privacy policy (the text hosts accept is shown as written).

Texts are rendered when saved and stored as HTML (tenants/collectivite/models.py), so the
renderers are built on first use: a web worker that only shows pages never loads them.
"""

from __future__ import annotations

import re
from functools import cache

from markupsafe import Markup

_TAGS = {"p", "br", "strong", "em", "a", "ul", "ol", "li", "h1", "h2", "h3", "h4", "blockquote",
         "code", "pre", "hr", "table", "thead", "tbody", "tr", "th", "td"}


@cache
def _renderers():
    from markdown_it import MarkdownIt

    return (MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table"),
            MarkdownIt("commonmark", {"html": False}))


def render_markdown(text: str | None) -> str:
    """Safe HTML from an agent's Markdown: no script, no style, no event handler, links only
    to http, https and mailto."""
    if not text:
        return ""
    html = _renderers()[0].render(text)
    # Headings shift down one level: the page owns its h1.
    html = re.sub(r"<(/?)h1>", r"<\1h2>", html)
    return _clean(html)


def _clean(html: str) -> str:
    import nh3

    return nh3.clean(html, tags=_TAGS, attributes={"a": {"href", "title"}},
                     url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer")


def safe_markdown(text: str | None) -> Markup:
    """The template filter: render_markdown's output went through nh3's allow-list."""
    return Markup(render_markdown(text))  # noqa: S704


def legal_html(text: str) -> str:
    """A legal text as HTML; raw HTML in the source is escaped, never rendered, and what
    Markdown itself makes goes through the same allow-list as the news (issue 12, finding 11)."""
    return _clean(_renderers()[1].render(text or ""))
