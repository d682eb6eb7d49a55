"""The answer reader: the real fine-tuned cross-encoder, built to int8 ONNX in the test cache."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import MODEL_CACHE

from qabot.answer_reader import AnswerReader, reader_input, reread
from qabot.domain import Passage
from qabot.sentence_scorer import Sentence


@pytest.fixture(scope="module")
def reader() -> AnswerReader:
    return AnswerReader(MODEL_CACHE)


LEAD = (
    "Glazer makes fresh offer for Man Utd",
    "American tycoon Malcolm Glazer has made a fresh approach to buy Manchester United.",
)
DETAIL = (
    "Glazer makes fresh offer for Man Utd",
    "The bid values the club at about £800m, according to people close to the talks.",
)


def test_the_sentence_holding_the_asked_sum_outscores_the_lead_that_repeats_the_question(
    reader: AnswerReader,
) -> None:
    # Trained on SQuAD, it reads best when the question words the sentence's own terms
    # ("worth in Glazer's offer" for "values the club at" still loses to the lead).
    question = "How much does Glazer's bid value the club at?"
    lead, detail = reader.logits(question, [reader_input(*LEAD), reader_input(*DETAIL)])
    assert detail > 0 > lead
    question = "How much did the horror film Boogeyman cost to make?"
    title = "Boogeyman scares off rivals"
    lead, detail = reader.logits(
        question,
        [
            reader_input(
                title, "A low-budget horror film produced by Sam Raimi has topped the box office."
            ),
            reader_input(title, "Boogeyman, which cost just $7m (£3.5m) to make, performed well."),
        ],
    )
    assert detail > lead


def test_a_sentence_on_the_topic_that_does_not_answer_scores_low(reader: AnswerReader) -> None:
    answers, off = reader.logits(
        "Who is the chief executive of Manchester United?",
        [
            reader_input("United chief quits", "David Gill is the chief executive of the club."),
            reader_input(*LEAD),
        ],
    )
    assert answers > 0 > off


def test_the_model_is_built_once_and_reused(reader: AnswerReader) -> None:
    first = reader.model_path
    assert first.exists() and first.suffix == ".onnx"
    again = AnswerReader(MODEL_CACHE)
    assert again.model_path == first
    assert not list(first.parent.glob("model-*")), "the merged folder is removed after export"


def _sentence(text: str, score: float, start: int) -> Sentence:
    passage = Passage(
        id="p",
        source="sport/001.txt",
        title=LEAD[0],
        text=text,
        start_char=0,
        end_char=len(text),
        start_line=1,
        end_line=1,
    )
    return Sentence(passage, 0, start, start + len(text), text, np.zeros(1), (), score)


def test_reread_puts_the_answering_sentence_first_and_keeps_the_rest_below(
    reader: AnswerReader,
) -> None:
    lead = _sentence(LEAD[1], 0.6, 0)
    detail = _sentence(DETAIL[1], 0.3, 100)
    tail = _sentence("Shares rose 3%.", 0.2, 200)
    question = "How much does Glazer's bid value the club at?"
    ranked = reread(reader, question, [lead, detail, tail], (2, np.array([1.0, 1.0]), 0.0))
    assert [s.start for s in ranked] == [100, 0, 200]
    assert ranked[2].score == 0.2  # not read: its own probability
    assert 0.0 < ranked[0].score < 1.0


def test_no_sentences_are_read_when_there_are_none(reader: AnswerReader) -> None:
    assert reader.logits("anything?", []).shape == (0,)
    assert reread(reader, "anything?", []) == []


def test_a_sentence_read_again_for_the_same_question_gets_the_same_logit(
    reader: AnswerReader,
) -> None:
    question = "How much does Glazer's bid value the club at?"
    lead, detail = reader_input(*LEAD), reader_input(*DETAIL)
    alone = reader.logits(question, [detail])
    both = reader.logits(question, [lead, detail, lead])
    assert both[1] == alone[0] and both[0] == both[2]
    other = reader.logits("Who has made a fresh approach to buy Manchester United?", [detail])
    assert other[0] != alone[0], "remembered per question, not per sentence"
    many = [f"Sentence number {i}." for i in range(600)]  # more than are remembered
    reader.logits(question, many)
    again = reader.logits(question, [many[1], detail, "A sentence not read before."])
    assert again[1] == pytest.approx(alone[0], abs=0.05)
