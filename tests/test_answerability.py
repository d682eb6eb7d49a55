"""Refusal from evidence: a question's years, numbers and names must be in the article."""

from __future__ import annotations

import numpy as np
import pytest

from qabot.answer_types import asked_type, typed_spans
from qabot.answerability import FEATURES as ANSWERABILITY
from qabot.answerability import constraints, judge, refusal_text, sum_unstated
from qabot.domain import Passage
from qabot.qa import QA
from qabot.sentence_scorer import FEATURES, Sentence
from qabot.settings import Settings
from tests.common import CARTER

#: answerability weights under which the evidence is the sentence's own probability
SCORE_ONLY = (np.eye(len(ANSWERABILITY))[0], 0.0)


def test_constraints_are_years_numbers_and_names() -> None:
    assert constraints("According to Nicholas Negroponte, how much does China spend?") == [
        "Nicholas Negroponte",
        "China",
    ]
    assert constraints("Who won the 2007 Six Nations?") == ["2007", "Six Nations"]
    assert constraints("What did it rise by in 2004-05?") == ["2004-05"]
    # a name may start with small letters; a capital inside a word starts none
    assert constraints("How many users does eBay have?") == ["eBay"]
    assert constraints("Who sued Apple over iTunes?") == ["Apple", "iTunes"]
    assert constraints("Who will get UK Online's 8Mb broadband?") == ["UK Online"]
    # a score may be written in words or not at all; a year the answer comes before bounds it
    assert constraints("Who refereed Arsenal's 1-0 win at Portsmouth?") == [
        "Arsenal",
        "Portsmouth",
    ]
    assert constraints("In what year did Wales last win the title before 2005?") == ["Wales"]


@pytest.mark.parametrize(
    ("question", "article", "met"),
    [
        ("What did America's deficit reach?", "The US deficit hit $162bn.", True),
        ("What did the United States say?", "The US said no.", True),
        ("What does the Child Support Agency cost?", "The CSA system cost £456m.", True),
        ("Which Tory defected to Labour?", "A Conservative MP defected to Labour.", True),
        ("How many Americans use the net?", "In the US, 137 million do.", True),
        ("Who operated the vBSN network?", "MCI ran the vBNS network.", True),  # mistyped
        ("How many people live in Paris?", "In Lyon, 2 million people do.", False),
        ("What did Jon Doe say?", "The JD Group said no.", False),  # a person's initials
        ("Who was on Celoron's expedition?", "Céloron's force left.", True),  # typed unaccented
        ("Who was on Céloron's expedition?", "Celoron's force left.", True),
        ("What did Brainbridge's ledgers report?", "Bainbridge's ledgers said so.", True),
        ("How many TDs did he score?", "He scored six touchdowns.", True),
        ("What did Rob Johnston say?", "Rob Johnson said no.", True),  # one letter apart
        ("What did Mr Murphy say?", "Mr Murray said no.", False),  # two letters apart
        ("What did Mr Bair say?", "Mr Blair said no.", False),  # a short name, too close
    ],
)
def test_a_name_is_met_as_news_writes_it(question: str, article: str, met: bool) -> None:
    sentence = _sentence("a.txt", "News", article, 0.9, asked_type(question))
    verdict = judge(question, [sentence], (sentence.passage,), asked_type(question), 0.1)
    assert (verdict.missing == "") is met, verdict.missing


def test_a_season_is_met_however_the_article_writes_it() -> None:
    question = "In 2003/04, what share of stops were of Asian people?"
    for written, met in [("2003/2004", True), ("2003-04", True), ("2003-4", True), ("2004", False)]:
        stops = _sentence("a.txt", "Police stops", f"In {written}, 12.5% were.", 0.5, "percent")
        verdict = judge(question, [stops], (stops.passage,), "percent", 0.1)
        assert verdict.answerable is met, written


def test_a_question_about_another_year_is_refused_and_says_why(seeded_qa: QA) -> None:
    answered = seeded_qa.ask("Who did Ash Carter talk to by telephone?")
    assert not answered.refused and "Shoigu" in answered.text
    assert "Shoigu" in answered.short_answer  # not "U.S.-Russian": "and" does not join names
    refused = seeded_qa.ask("Who did Ash Carter talk to by telephone in Beijing?")
    assert refused.refused and refused.citations == ()
    assert refused.text.startswith("I could not find that in the corpus. Closest: ")
    assert f"({CARTER}), which does not mention Beijing." in refused.text


def test_years_are_checked_against_the_whole_article(seeded_qa: QA) -> None:
    # The Carter story names 2014 (when talks were severed), in a passage that retrieval for
    # this question need not bring: the check reads the whole indexed article.
    first = min(
        (p for p in seeded_qa.index.passages.values() if p.source == CARTER),
        key=lambda p: p.start_char,
    )
    assert "2014" in seeded_qa.index.article_text(first)
    refused = seeded_qa.ask("Who did Ash Carter talk to by telephone in 2019?")
    assert refused.refused and refused.text.endswith("which does not mention 2019.")
    # The year after the latest it names may be its own, unwritten, but a later year is what
    # near-topic questions ask most: an assumed year takes stronger evidence than this.
    refused = seeded_qa.ask("Who did Ash Carter talk to by telephone in 2015?")
    assert refused.refused and refused.text.endswith("which does not mention 2015.")


def _sentence(source: str, title: str, text: str, score: float, kind: str) -> Sentence:
    passage = Passage(source, source, title, text, 0, len(text), 1, 1)
    spans = tuple(s for s in typed_spans(text) if s.kind == kind)
    return Sentence(passage, 0, 0, len(text), text, np.zeros(len(FEATURES)), spans, score)


def test_the_best_sentence_of_another_story_gives_way_to_the_story_asked_about() -> None:
    question = "How much did the 2004 Thunderbirds film cost to make?"
    robots = _sentence("a.txt", "Robots march", "Robots cost $75m to make in 2005.", 0.6, "money")
    thunder = _sentence(
        "b.txt", "Thunderbirds flop", "The 2004 film cost $42m to make.", 0.3, "money"
    )
    passages = (robots.passage, thunder.passage)
    verdict = judge(question, [robots, thunder], passages, "money", 0.1, weights=SCORE_ONLY)
    assert verdict.answerable and verdict.sentence is thunder
    assert verdict.evidence == pytest.approx(0.3)
    # not good enough: the refusal still names the closest article and what it lacks
    verdict = judge(question, [robots, thunder], passages, "money", 0.5, weights=SCORE_ONLY)
    assert not verdict.answerable and verdict.closest == robots.passage
    assert refusal_text(verdict).endswith("(a.txt), which does not mention 2004.")


def test_a_sum_may_be_asked_for_and_answered_as_a_share() -> None:
    question = "How much more do indoor parking spaces cost?"
    text = "Indoor spaces cost up to 250% more than those outdoors."
    share = _sentence("a.txt", "Parking fees", text, 0.5, "money")
    assert share.answers == ()
    assert judge(question, [share], (share.passage,), "money", 0.1).answerable
    text = "Indoor spaces cost far more than those outdoors."
    vague = _sentence("a.txt", "Parking fees", text, 0.5, "money")
    verdict = judge(question, [vague], (vague.passage,), "money", 0.1)
    assert refusal_text(verdict).endswith("which does not mention a sum of money.")


@pytest.mark.parametrize(
    ("asked", "text", "stated"),
    [
        ("How much did Google pay Oxford to scan its books?", "Google will scan 1m books.", False),
        # a share is not the price paid...
        ("How much did Google pay Oxford to scan its books?", "Google scans 15% of them.", False),
        ("How much did Google pay Oxford to scan its books?", "Google paid $5m for it.", True),
        # ...but answers how much more or less
        ("How much less do women earn than men?", "Women earn 19% less than men.", True),
        # ...or what part of a whole something is
        ("How much of the budget goes on wages?", "Wages take 40% of the budget.", True),
        # only "how much" questions: "What fee…" may be answered in words
        ("What fee did Google pay Oxford?", "Google will scan 1m books.", True),
    ],
)
def test_a_how_much_answer_must_quote_a_sum(asked: str, text: str, stated: bool) -> None:
    quoted = _sentence("a.txt", "Google scans books", text, 0.5, asked_type(asked))
    refusal = sum_unstated(asked, asked_type(asked), [quoted])
    assert (refusal is None) is stated
    if refusal is not None:
        assert refusal_text(refusal).endswith("(a.txt), which does not mention a sum of money.")


def test_a_question_about_how_things_ended_takes_stronger_evidence() -> None:
    # News often reports only the start: a bid, a lawsuit, a departure. With the shipped
    # weights and threshold, a sentence good enough for what it says is not enough for how
    # it ended.
    text = "Fans are hoping to raise $32m by March to pay for a fifth series."
    hoping = _sentence("a.txt", "Fans fund Enterprise", text, 0.15, "money")
    threshold = Settings.model_fields["refusal_threshold"].default
    asked = "How much are the fans hoping to raise for a fifth series?"
    assert judge(asked, [hoping], (hoping.passage,), "money", threshold).answerable
    asked = "How much did the fans finally raise for a fifth series?"
    verdict = judge(asked, [hoping], (hoping.passage,), "money", threshold)
    assert not verdict.answerable and 0 < verdict.evidence < threshold
    assert refusal_text(verdict).endswith("(a.txt), which does not answer it.")


def test_a_sentence_without_the_number_asked_for_takes_stronger_evidence() -> None:
    # "How much was he paid?" answered from a sentence about the show, beside one that gives
    # someone else's fine: the sentence holds no sum, and with the shipped weights and
    # threshold that is the difference between answering and not.
    asked = "How much was McCartney paid for the half-time show?"
    show = _sentence("a.txt", "McCartney", "McCartney was paid for the half-time show.", 0.15, "")
    paid = _sentence("a.txt", "McCartney", "McCartney was paid $1m for the show.", 0.15, "money")
    fine = _sentence("a.txt", "McCartney", "CBS was fined $550,000 last year.", 0.05, "money")
    threshold = Settings.model_fields["refusal_threshold"].default
    held = judge(asked, [paid, fine], (paid.passage,), "money", threshold)
    lacks = ANSWERABILITY.index("lacks_number")
    assert held.answerable and held.features is not None and held.features[lacks] == 0
    lacking = judge(asked, [show, fine], (show.passage,), "money", threshold)
    assert not lacking.answerable and lacking.features is not None
    assert lacking.features[lacks] == 1
    assert 0 < lacking.evidence < threshold


def test_a_question_about_an_age_is_answered_from_a_sentence_that_gives_one() -> None:
    asked = "How old is Robert Jackson, the former minister who joined Labour?"
    title = "Tory MP defects"
    lead = _sentence("a.txt", title, "Robert Jackson, a former minister, joins Labour.", 0.6, "age")
    aged = _sentence("a.txt", title, "Mr Jackson, 58, was a minister.", 0.4, "age")
    verdict = judge(asked, [lead, aged], (lead.passage,), "age", 0.1, weights=SCORE_ONLY)
    assert verdict.answerable and verdict.sentence is aged
    verdict = judge(asked, [lead], (lead.passage,), "age", 0.1, weights=SCORE_ONLY)
    assert not verdict.answerable
    assert refusal_text(verdict).endswith("which does not mention an age.")
    born = _sentence("a.txt", title, "Robert Jackson, born in 1946, joins Labour.", 0.6, "age")
    assert judge(asked, [born], (born.passage,), "age", 0.1, weights=SCORE_ONLY).answerable


def test_an_age_beside_the_name_asked_about_beats_an_earlier_one_of_the_same_story() -> None:
    asked = "How old is Viktor Makarov, the former KGB officer on hunger strike?"
    title = "Ex-KGB man on hunger strike"
    then = "Mr Makarov joined the KGB in 1970s Russia, as an idealistic 20 year-old."
    young = _sentence("a.txt", title, then, 0.6, "age")
    now = _sentence("a.txt", title, "Viktor Makarov, 50, says he was betrayed.", 0.3, "age")
    verdict = judge(asked, [young, now], (young.passage,), "age", 0.1, weights=SCORE_ONLY)
    assert verdict.sentence is now
    # another story's age beside the same surname is someone else's ("Mr Smith, 57,")
    other = _sentence("b.txt", "Pensions", "Mr Makarov, 57, retired in May.", 0.3, "age")
    verdict = judge(asked, [young, other], (young.passage,), "age", 0.1, weights=SCORE_ONLY)
    assert verdict.sentence is young


@pytest.mark.parametrize(
    ("text", "told"),
    [
        ("Although Mr Jacobsen, 21, managed to get hold of some data.", True),
        ("Jacobsen, aged 21, managed to get hold of some data.", True),
        ("The 21-year-old hacker Jacobsen got hold of some data.", True),
        ("Dobrow, 41, said Mr Jacobsen got hold of some data.", False),  # someone else's age
        ("A 21-year-old got hold of some data, said Jacobsen.", False),
    ],
)
def test_an_age_given_beside_the_name_asked_about_is_answered(text: str, told: bool) -> None:
    # The models seldom saw an age asked for and score these sentences low; with the shipped
    # weights and threshold, only the age written beside the asked name is enough.
    asked = "How old is Nicholas Lee Jacobsen, the man accused of hacking into T-Mobile?"
    aged = _sentence("a.txt", "US hacker breaks into T-Mobile", text, 0.05, "age")
    threshold = Settings.model_fields["refusal_threshold"].default
    verdict = judge(asked, [aged], (aged.passage,), "age", threshold)
    assert verdict.answerable is told
    assert (verdict.evidence >= 0.9) is told


@pytest.mark.parametrize(
    ("asked", "states", "lives", "missing"),
    [
        (
            "Where was Wolf Brother author Michelle Paver born?",
            "Michelle Paver was born in Malawi and grew up in Wimbledon.",
            "Paver, who lives in London, is the author of Wolf Brother.",
            "where they were born",
        ),
        (
            "Which university did Ricky Gervais study at?",
            "Ricky Gervais studied philosophy at University College London.",
            "Ricky Gervais is writing an episode of The Simpsons in the US.",
            "where they studied",
        ),
        (
            "What verdict did the jury reach in the Hatfield rail crash trial?",
            "Balfour Beatty was found guilty of breaching safety law over the Hatfield crash.",
            "Balfour Beatty and five managers are to go on trial over the Hatfield crash.",
            "a verdict",
        ),
        (
            "So was Emilio Botin convicted at his trial over the Santander payouts?",
            "Emilio Botin was cleared of all charges over the Santander payouts.",
            "The trial of Emilio Botin, who approved the Santander payouts, has begun in Madrid.",
            "a verdict",
        ),
        (
            "What did Ofcom finally decide about BT's offer to open its network?",
            "Ofcom decided to accept BT's offer to open its network to rivals.",
            "Ofcom offered BT the choice of opening its network or splitting in two.",
            "a decision",
        ),
        (
            "Who was appointed Manchester City manager when Kevin Keegan stepped down?",
            "Stuart Pearce was appointed Manchester City manager after Kevin Keegan stepped down.",
            "Stuart Pearce has said he would like to succeed Kevin Keegan at Manchester City.",
            "who took over",
        ),
        (
            "Who won the SAP Open final in San Jose?",
            "Andy Roddick beat Cyril Saulnier to win the SAP Open in San Jose.",
            "Andy Roddick will play Cyril Saulnier in the final of the SAP Open in San Jose.",
            "who won",
        ),
        (
            "Who won the SAP Open final in San Jose?",
            "Andy Roddick was named champion of the SAP Open in San Jose.",
            '"I was feeling horrible at the SAP Open," Roddick said in San Jose.',
            "who won",
        ),
    ],
)
def test_a_birthplace_school_verdict_or_successor_is_answered_only_where_it_is_said(
    asked: str, states: str, lives: str, missing: str
) -> None:
    kind = asked_type(asked)
    said = _sentence("a.txt", "Writer", states, 0.4, kind)
    other = _sentence("a.txt", "Writer", lives, 0.6, kind)
    verdict = judge(asked, [other, said], (other.passage,), kind, 0.1, weights=SCORE_ONLY)
    assert verdict.answerable and verdict.sentence is said
    verdict = judge(asked, [other], (other.passage,), kind, 0.1, weights=SCORE_ONLY)
    assert not verdict.answerable
    assert refusal_text(verdict).endswith(f"which does not mention {missing}.")


def test_a_year_in_a_question_asking_when_is_the_one_it_counts_from() -> None:
    question = "When did Umbro sell fewer shirts than in 2003?"
    fell = _sentence("a.txt", "Umbro sales below 2003's", "Sales fell in 2005.", 0.9, "date")
    verdict = judge(question, [fell], (fell.passage,), "date", 0.1, weights=SCORE_ONLY)
    assert verdict.answerable


def test_born_elsewhere_in_a_question_asks_no_birthplace() -> None:
    asked = "Which Russian-born designer made the rug?"
    rug = _sentence("a.txt", "Rugs", "The rug is by the Russian Serge Chermayeff.", 0.6, "person")
    kind = asked_type(asked)
    assert judge(asked, [rug], (rug.passage,), kind, 0.1, weights=SCORE_ONLY).answerable


@pytest.mark.parametrize(
    ("question", "text", "answered"),
    [
        ("How much profit did Umbro make in 2005?", "Profit for 2004 was £15.4m.", False),
        ("How much profit did Umbro make in 2005?", "Profit for 2005 was £15.4m.", True),
        ("How much profit did Umbro make in 2005?", "Profit was £15.4m.", True),
        # a year the figure is compared with is not the one it is for
        ("How much profit did Umbro make in 2004?", "It made £9m, against £5m in 2003.", True),
        # a decade asked holds the year given
        ("How many shirts did Umbro sell in the 1990s?", "It sold 9,000 in 1994.", True),
        # nor does a name given for another year answer
        ("Who won the Umbro design prize in 2005?", "Ms Hale won the 2004 Umbro prize.", False),
        ("Who won the Umbro design prize in 2004?", "Ms Hale won the 2004 Umbro prize.", True),
    ],
)
def test_a_figure_or_name_for_another_year_does_not_answer(
    question: str, text: str, answered: bool
) -> None:
    kind = asked_type(question)
    figure = _sentence("a.txt", "Umbro profits", text, 0.9, kind)
    verdict = judge(question, [figure], (figure.passage,), kind, 0.1, weights=SCORE_ONLY)
    assert verdict.answerable is answered
    if not answered:
        assert refusal_text(verdict).endswith("(a.txt), which gives 2004, not 2005.")
