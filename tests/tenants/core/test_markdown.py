"""Every Markdown text goes through one allow-list (issue 12, finding 11): the CGU and privacy
policy too, so that an image from another site or a javascript: link never reaches a host."""

from tenants.core.markdown import legal_html, render_markdown

HOSTILE = ("# Conditions\n\n![pixel](https://tracker.example/p.gif)\n\n"
           "[cliquez](javascript:alert(1)) <script>alert(2)</script> **gras**")


def test_legal_texts_go_through_the_same_allow_list_as_the_news():
    for html in (legal_html(HOSTILE), render_markdown(HOSTILE)):
        assert "<img" not in html and "tracker.example" not in html
        assert "href=\"javascript" not in html
        assert "<script>" not in html
        assert "<strong>gras</strong>" in html
    assert "<h1>Conditions</h1>" in legal_html(HOSTILE)      # the legal page shows its title
    assert "<h2>Conditions</h2>" in render_markdown(HOSTILE)  # below the page's own h1
