"""Which questions ask about an article itself (its date, its author): those, and no others."""

from __future__ import annotations

import json

import pytest

from qabot.metadata_answers import asks_about
from tests.common import FIXTURES


@pytest.mark.parametrize(
    ("question", "asked"),
    [
        ("When was the story about the harbour bridge published?", "published"),
        ("When was the BBC report on the flood written?", "published"),
        ("What date was the article on the solar farm posted?", "published"),
        ("How old is the article about the market?", "published"),
        ("When is the ferry strike story from?", "published"),
        ("Who wrote the article about the ferry strike?", "author"),
        ("Who reported the story on the council budget?", "author"),
        ("Who is the author of the piece about the lighthouse?", "author"),
        ("Which reporter wrote the harbour bridge story?", "author"),
        # about things the articles report, not about the articles
        ("When did the Herald Tribune publish its Tesla article?", None),
        ("Who wrote The Mutants?", None),
        ("Who wrote the book Capital in the Twenty-First Century?", None),
        (
            "Which author wrote the short story that the film It's A Wonderful Life was based on?",
            None,
        ),
        ("When was the bridge reopened?", None),
        ("Who reported the loss to the police?", None),
        ("What journalist wrote an article defending Doctor Who?", None),
        ("When was his article published in Century Magazine?", None),
        ("When was the IPCC Fourth Assessment Report published?", None),
        ('Who is the author of the book, "Knowledge and Decisions"?', None),
    ],
)
def test_questions_about_an_article(question: str, asked: str | None) -> None:
    assert asks_about(question) == asked


@pytest.mark.parametrize("name", ["seed_questions.jsonl", "bbc_dev.jsonl"])
def test_no_fixture_question_asks_about_an_article(name: str) -> None:
    for line in (FIXTURES / name).read_text(encoding="utf-8").splitlines():
        question = json.loads(line)["question"]
        assert asks_about(question) is None, question
