"""The conversation as Markdown (`/save`): every citation with file and lines, nothing live."""

from __future__ import annotations

from qabot.domain import Answer, Citation
from qabot.transcript import conversation_markdown


def test_saved_conversations_are_inert_markdown() -> None:
    citation = Citation(
        n=1,
        source="a<b>.txt",
        title="<script>alert(1)</script>",
        start_line=3,
        end_line=4,
        start_char=0,
        end_char=10,
        quote="Tom & Jerry\nsaid\u202e so",
    )
    answer = Answer("Who?", "Who?", "Tom & Jerry said so [1]", (citation,), ())
    refused = Answer("Why?", "Why?", "I could not find that in the corpus.", (), (), refused=True)
    text = conversation_markdown([answer, refused], "/news")
    assert "<script>" not in text and "&lt;script&gt;" in text
    assert "- [1] &lt;script&gt;alert(1)&lt;/script&gt; — a&lt;b&gt;.txt:3-4\n" in text
    assert "  > Tom &amp; Jerry said so\n" in text  # one line, no bidi control
    assert "## Why?\n\nI could not find that in the corpus.\n" in text
