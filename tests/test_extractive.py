"""The offline answerer: the sentence that answers, quoted from its file and cited, or an honest
refusal."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from qabot.domain import REFUSAL_TEXT, Answer
from qabot.extractive import with_story
from qabot.qa import QA
from qabot.settings import Settings
from tests.common import CARTER


def _answer(qa: QA, question: str) -> Answer:
    return qa.extractive.answer(question, question, qa.retrieve(question))


def _stories(make_settings: Callable[..., Settings], tmp_path: Path, **stories: str) -> QA:
    """A QA over a corpus of `stories` (`name=text` is the file name.txt), indexed."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, text in stories.items():
        (corpus / f"{name}.txt").write_text(text, encoding="utf-8")
    qa = QA(make_settings(corpus_dir=corpus))
    qa.ingest()
    return qa


def test_who_did_carter_talk_to(seeded_qa: QA) -> None:
    answer = _answer(seeded_qa, "who did Carter talk to?")
    assert not answer.refused
    assert "Shoigu" in answer.text
    first = answer.citations[0]
    assert answer.text.index("Shoigu") < answer.text.index("[1]")
    assert (first.source, first.start_line, first.end_line) == (CARTER, 16, 16)
    assert "Sergei Shoigu" in first.quote
    assert seeded_qa.verifier.verify(first)
    # every marker in the text has a citation, and every citation is in the text
    for c in answer.citations:
        assert f"[{c.n}]" in answer.text
        assert seeded_qa.verifier.verify(c)


def test_a_follow_up_is_read_with_the_headline_of_its_story(seeded_qa: QA) -> None:
    """ "the call" is Carter's: the reader reads the story's headline beside the question."""
    question = "How long was the call?"
    retrieval = seeded_qa.retrieve(question)
    assert with_story(question, retrieval) == question  # a new question is read as asked
    staying = retrieval.staying_in(CARTER)
    assert with_story(question, staying) == (
        f"{question} (Russian, U.S. Defense Chiefs Talk By Telephone About Fighting IS)"
    )


def test_refuses_what_the_corpus_does_not_hold(seeded_qa: QA) -> None:
    answer = _answer(seeded_qa, "What is the capital of Australia?")
    assert answer.refused
    assert answer.text.startswith(REFUSAL_TEXT)
    assert answer.citations == ()
    assert answer.passages  # what was searched is still reported


FETA = """Court hears feta naming row

A row over whether only Greece may call its cheese feta has reached Europe's top court.

Denmark and Germany are challenging a ruling that gave Greek producers sole use of the name.

The case also matters to Britain's only feta maker, the Cumbrian firm Fellside Dairy.

Margaret Lowther, who founded the dairy in 1989, said renaming its cheese would cost a fortune.

The court is expected to reach a verdict in the autumn.
"""


def test_a_sentence_without_the_asked_kind_is_followed_by_one_with_it(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    """The sentence naming the firm matches the question best but names no person; the one
    that does, further down the same story, is quoted after it; the short answer is still the
    first sentence's (here none)."""
    qa = _stories(make_settings, tmp_path, story=FETA)
    answer = _answer(qa, "Who founded Fellside Dairy, Britain's only feta maker?")
    assert [c.start_line for c in answer.citations] == [7, 9]
    assert "Margaret Lowther" in answer.text and not answer.short_answer  # a guess: not bold


UNION = """Union urges help for factories

The Foundry Workers Union (FWU) has called on the government to stem job losses in manufacturing.

It said 40,000 jobs had gone from the sector over the last year, most of them in the north.

FWU general secretary Alan Pickering said ministers had to act before more plants closed.

The government said it was already helping firms through regional grants.
"""


def test_who_holds_a_post_is_answered_by_the_sentence_that_names_the_holder(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    """The opening shares the question's words but names no one; the holder stands beside the
    post, under the union's short name, further down: it is quoted too, and is the short
    answer."""
    qa = _stories(make_settings, tmp_path, story=UNION)
    answer = _answer(qa, "Who leads the Foundry Workers Union, which wants the government to act?")
    assert answer.short_answer == "Alan Pickering"
    assert 7 in [c.start_line for c in answer.citations]


SCAN = """Google to scan Oxford's old books

Google is to scan hundreds of thousands of books held in Oxford University's Bodleian Library.

The books, all published before 1900, will be free to read online within three years.
"""
APPEAL = """Bodleian Library appeal

Oxford University's Bodleian Library has launched a £10m appeal to pay for new reading rooms.
"""


def test_a_price_no_quoted_sentence_states_is_refused(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    """The story tells of the deal, not its price; the only sum near the question is another
    story's, which an answer would not quote as the first's: refused, saying what is missing."""
    qa = _stories(make_settings, tmp_path, scan=SCAN, appeal=APPEAL)
    answer = _answer(qa, "How much did Google pay Oxford University to scan the Bodleian's books?")
    assert answer.refused and answer.citations == ()
    assert answer.text.endswith("(scan.txt), which does not mention a sum of money.")
    answer = _answer(qa, "How much is the Bodleian Library's appeal for new reading rooms?")
    assert not answer.refused and answer.short_answer == "£10m"


SUED = """Network sued over quiz show

The network is being sued for $2.5m (£1.3m) by the show's makers, court papers show.
"""


def test_a_sum_given_again_in_another_currency_is_not_the_short_answer(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    """A story's sum comes first, its conversion in brackets after it; the short answer is
    the sum the story states, unless the question asks in the other currency."""
    qa = _stories(make_settings, tmp_path, sued=SUED)
    assert _answer(qa, "How much is the network being sued for?").short_answer == "$2.5m"
    answer = _answer(qa, "How many pounds is the network being sued for?")
    assert answer.short_answer == "£1.3m"
