"""What a question asks for, and the typed spans of news sentences."""

from __future__ import annotations

import pytest

from qabot.answer_types import (
    NUMERIC_TYPES,
    asked_role,
    asked_type,
    category_words,
    holds_role,
    matches,
    typed_spans,
)
from qabot.domain import Passage
from qabot.extractive import short_answer
from qabot.sentence_scorer import SentenceScorer


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Who did Carter talk to?", "person"),
        ("Which Arsenal goalkeeper was the hero of the shoot-out?", "person"),
        ("Which company has licensed the drug?", "org"),
        ("How long did they talk?", "duration"),
        ("How much time do users spend on search engines a month?", "duration"),  # not money
        ("How much pre-tax profit did BA make?", "money"),
        ("What pre-tax profit did Umbro make?", "money"),
        # the size of a sum, not a count; the size of anything else, a count
        ("How big a fine did Parmalat receive?", "money"),
        ("How large was the US budget deficit in 2004?", "money"),
        ("How large was the crowd?", "count"),
        ("By how much did sales rise?", "percent"),
        ("What was the score against Blackburn?", "score"),
        ("When did he resign?", "date"),
        ("How many people died?", "count"),
        ("How old is Patti Smith?", "age"),
        ("At what age did he retire?", "age"),
        ("Where was the summit held?", "place"),
        ("Why did shares fall?", "reason"),
        ("What did the report say about the plan?", "other"),
        # a clause in front is not what is asked
        ("When the attacks were at their worst, how many hit Pipex?", "count"),
        ("When did the attacks stop, and how?", "date"),
        ("When rock buckles upwards it creates what?", "other"),
        ("When a phagocyte eats a pathogen, it is trapped in what vesicle?", "other"),
        # ...but a question that starts "When did…" asks when
        ("When did Eriksson, who coaches England, resign?", "date"),
        ("When did he say what he wanted?", "date"),
        ("Before the passport cases, when had the power last been used?", "date"),
        ("When has the index last fallen this far?", "date"),
        # the noun asked about says the kind, after up to four words
        ("Which Lib Dem local government spokesman predicted gains?", "person"),
        ("Which Tory frontbencher presented the plan?", "person"),
        ("Which bookmaker stopped taking bets?", "org"),
        ("Which two countries tabled the plan?", "place"),
        ("In which London prison are they held?", "place"),
        ("What prison sentence was the hacker given?", "duration"),  # time served, not a place
        ("What jail term did he get?", "duration"),
        ("What term describes the method?", "other"),
        ("Which part of the UK saw the biggest fall?", "place"),
        ("What part did he play in the film?", "other"),
        ("What stake does Renault hold in Nissan?", "percent"),
        ("What will the adult minimum wage rise to?", "money"),
        ("What were Libya's frozen assets originally worth?", "money"),
        ("Over what distance does the technology work?", "count"),
    ],
)
def test_asked_type(question: str, kind: str) -> None:
    assert asked_type(question) == kind


@pytest.mark.parametrize(
    ("question", "words"),
    [
        ("Which stadium is the most likely venue for the match?", "stadium"),
        ("Which football club did he join?", "football club"),
        ("What is the name of the club that signed him?", "club"),
        ("In which city was he born?", "city"),
        ("Which Arsenal player scored?", "player scored"),  # after a name
        ("Which US bank held talks?", "bank held"),
        ("What did Carter say?", ""),
        ("Who did Carter talk to?", ""),
    ],
)
def test_category_words(question: str, words: str) -> None:
    assert category_words(question) == words


def test_a_name_holding_the_asked_category_is_still_an_answer() -> None:
    """ "Sydney's Olympic Stadium" answers "Which stadium…", though the question says
    "stadium"; a name that starts with a name the question gives ("…venue in Sydney…")
    answers with the rest of it."""
    scorer = SentenceScorer(lambda term: 1.0)
    sentence = (
        "The date is yet to be decided but the most likely venue is Sydney's Olympic Stadium."
    )
    passage = Passage("a", "a.txt", "Sydney to host game", sentence, 0, len(sentence), 1, 1)

    def answers(question: str) -> list[str]:
        q = scorer.question(question, question)
        return [a.text for s in scorer.sentences(q, (passage,), {}) for a in s.answers]

    assert answers("Which stadium is the most likely venue for the match?") == [
        "Sydney's Olympic Stadium"
    ]
    assert answers("Which venue in Sydney is the most likely for the match?") == ["Olympic Stadium"]
    assert answers("Which venue is Sydney's Olympic Stadium?") == []


def test_the_name_right_after_the_asked_category_comes_first() -> None:
    """News names what it asks for in apposition: "US bank Wells Fargo" answers "Which US
    bank…" before an organisation that stands nearer the question's other words."""
    scorer = SentenceScorer(lambda term: 1.0)
    sentence = (
        "Speaking on BBC Radio 4, Mr Varley would not discuss merger talks with US bank "
        "Wells Fargo."
    )
    passage = Passage("a", "a.txt", "Barclays", sentence, 0, len(sentence), 1, 1)
    q = scorer.question("Which US bank held merger talks?", "Which US bank held merger talks?")
    (scored,) = scorer.sentences(q, (passage,), {})
    assert [a.text for a in scored.answers] == ["Wells Fargo", "BBC Radio 4"]


def test_typed_spans_of_a_news_sentence() -> None:
    sentence = (
        "Profits at TimeWarner jumped 76% to $1.13bn (£600m) in the three months to "
        "December, Mr Richard Parsons said in New York on 18 September 2015, after a 2-1 win."
    )
    got = {(s.kind, s.text) for s in typed_spans(sentence)}
    assert {
        ("percent", "76%"),
        ("money", "$1.13bn"),
        ("money", "£600m"),
        ("duration", "three months"),
        ("date", "18 September 2015"),
        ("person", "Richard Parsons"),
        ("place", "New York"),
        ("score", "2-1"),
    } <= got
    # a date without its preposition: "In what year…" is answered "1994", not "in 1994"
    got = {(s.kind, s.text) for s in typed_spans("Their last title was in 1994, since the 1970s.")}
    assert {("date", "1994"), ("date", "1970s")} <= got


@pytest.mark.parametrize(
    ("sentence", "spans"),
    [
        # an earlier year is a date where a word before it makes it one
        ("The last outbreak ravaged Oslo in 1654.", [("date", "1654")]),
        ("In 1749 the British government gave land.", [("date", "1749")]),
        ("It grew in the 1740s.", [("date", "1740s")]),
        ("The war (1754–1763) ended.", [("date", "1754–1763")]),
        ("Graves dating to 1338–39 were found.", [("date", "1338–39")]),
        ("Chagatai (1187—1241) was his son.", [("date", "1187—1241")]),
        ("The seal is from the year 1390.", [("date", "1390")]),
        ("On August 1, 1774, he heated it.", [("date", "August 1, 1774")]),
        # ...not a count of things
        ("It was sold in 1500 homes.", [("count", "1500")]),
        # a score written with a dash as well as a hyphen
        ("They won the divisional round, 23–16, late on.", [("score", "23–16")]),
    ],
)
def test_years_and_scores_as_other_texts_write_them(
    sentence: str, spans: list[tuple[str, str]]
) -> None:
    assert [(s.kind, s.text) for s in typed_spans(sentence) if s.kind in NUMERIC_TYPES] == spans


@pytest.mark.parametrize(
    ("sentence", "names"),
    [
        # an owner is a name of its own; a person's name is not theirs
        ("Britain's Rod Stewart sang.", [("name", "Britain"), ("person", "Rod Stewart")]),
        ("It was Chaka Khan's song.", [("person", "Chaka Khan")]),
        # ...but a place's or an organisation's name, or a lone word, keeps its owner
        ("They met at Sydney's Olympic Stadium.", [("place", "Sydney's Olympic Stadium")]),
        ("They saw St Paul's Cathedral.", [("place", "St Paul's Cathedral")]),
        ("Sainsbury's shares rose.", [("name", "Sainsbury's")]),
        # where a person is from, their party or post is not their name
        ("He beat American Taylor Dent.", [("person", "Taylor Dent")]),
        ("Labour MP Jean Corston said so.", [("person", "Jean Corston")]),
        ("The US-based X1 Technologies won.", [("org", "X1 Technologies")]),
        ("It was Director General Greg Dyke.", [("person", "Greg Dyke")]),
        # ...unless one word would be left, and alone it names nobody
        ("He joined American Express.", [("person", "American Express")]),
        ("An American and the US firm.", []),
        ("She was Irish, and the Chancellor agreed.", []),
        # small words inside a name ("van der"), not a post's "of the" before another name
        ("The analyst Nick Van den Brul said so.", [("person", "Nick Van den Brul")]),
        ("It was Edwin van der Sar's save.", [("person", "Edwin van der Sar")]),
        (
            "Luiz Inacio Lula da Silva of the Socialist Party won.",
            [("person", "Luiz Inacio Lula da Silva"), ("org", "Socialist Party")],
        ),
        # a person's name after a title, and where they work, apart; any other name with
        # "of" in it, whole
        (
            "Its chief executive Tom Glocer of Reuters said so.",
            [("person", "Tom Glocer"), ("name", "Reuters")],
        ),
        ("William II of Normandy won.", [("person", "William II of Normandy")]),
        ("It was Royal Bank of Scotland.", [("org", "Royal Bank of Scotland")]),
        ("The Bank of England held rates.", [("org", "Bank of England")]),
        ("The Duke of Edinburgh came.", [("person", "Duke of Edinburgh")]),
        # a score after a name is not part of it
        (
            "Hantuchova beat Gisela Dulko 1-6 6-4.",
            [("name", "Hantuchova"), ("person", "Gisela Dulko")],
        ),
    ],
)
def test_a_name_is_the_name_alone(sentence: str, names: list[tuple[str, str]]) -> None:
    named = [
        (s.kind, s.text)
        for s in typed_spans(sentence)
        if s.kind in ("person", "org", "place", "name")
    ]
    assert named == names


@pytest.mark.parametrize(
    ("sentence", "name", "asked"),
    [
        # two capitalised words are a person only by default: a bank, a firm, a drink
        ("Barclays held merger talks with US bank Wells Fargo.", "Wells Fargo", "org"),
        ("It has also gone after auditors Grant Thornton.", "Grant Thornton", "org"),
        ("A survey of Frankfurt, New York and Paris found it.", "New York", "place"),
        # a name after "from" or "to" is a place only by default
        ("A last-gasp touchdown from Luke Narraway pulled them level.", "Luke Narraway", "person"),
        ("He was a £15.8m signing from Parma last season.", "Parma", "org"),
        # so is a lone acronym an organisation: it may be a country
        ("A clash with the USSR worried them.", "USSR", "place"),
    ],
)
def test_a_name_whose_kind_is_guessed_may_answer_any_named_kind(
    sentence: str, name: str, asked: str
) -> None:
    span = next(sp for sp in typed_spans(sentence) if sp.text == name)
    assert not span.sure and span.kind != asked
    assert matches(asked, span)


def test_a_name_whose_own_words_or_title_say_its_kind_answers_that_kind_alone() -> None:
    spans = {
        sp.text: sp
        for sp in typed_spans(
            "Mr John Smith spoke at Wembley Stadium for Barclays Bank about USA For Africa."
        )
    }
    assert spans["John Smith"].kind == "person" and not matches("org", spans["John Smith"])
    assert spans["Barclays Bank"].kind == "org" and not matches("person", spans["Barclays Bank"])
    assert spans["Wembley Stadium"].kind == "place" and not matches("org", spans["Wembley Stadium"])
    # a title's small words are not a person's name, nor is "USA" a post in front of one
    assert spans["USA For Africa"].kind == "name"
    # the last word that says a kind says it: a club, a country
    assert [(s.kind, s.text) for s in typed_spans("Manchester United left the United States.")] == [
        ("org", "Manchester United"),
        ("place", "United States"),
    ]


def test_a_name_may_end_in_a_number_but_not_start_with_one() -> None:
    names = [
        (s.kind, s.text)
        for s in typed_spans("In March 2004 Apple said Channel 4 would show Euro 2004.")
        if s.kind not in NUMERIC_TYPES
    ]
    assert names == [("org", "Apple"), ("person", "Channel 4"), ("person", "Euro 2004")]


def test_seas_straits_and_armed_forces_are_not_people() -> None:
    # Two capitalised words read as a person unless a word marks a place or a body: the
    # seeds' "name of the Russian navy's flagship" was answered with "Bosphorus Strait".
    sentence = (
        "Three Russian Navy amphibious assault ships also have crossed through the Bosphorus "
        "Strait from the Black Sea to the Mediterranean Sea."
    )
    got = {(s.kind, s.text) for s in typed_spans(sentence)}
    assert {
        ("count", "Three"),  # a number in words starting a sentence
        ("org", "Russian Navy"),
        ("place", "Bosphorus Strait"),
        ("place", "Black Sea"),
        ("place", "Mediterranean Sea"),
    } == got


@pytest.mark.parametrize(
    ("sentence", "age"),
    [
        ("Mr Tanzi, 66, issued a statement through his lawyer.", "66"),
        ("The 58-year-old US singer told The Observer.", "58"),
        ("Rinus Michels has died aged 77.", "77"),
        ("Mr Wong has been blind from the age of seven.", "seven"),
        ("He joined the KGB as an idealistic 20 year-old.", "20"),
        ("I was 18 when she was conceived.", "18"),
        ("He moved to Warsaw when he was seven months old.", "seven"),
        ("He retired at 35, his agent said.", "35"),
        ("They found the 1.6-million-year-old skeleton.", "1.6-million"),
        ("Fossils from 525 million years ago were found.", "525 million"),
    ],
)
def test_an_age_is_the_number_of_how_news_copy_writes_one(sentence: str, age: str) -> None:
    assert [s.text for s in typed_spans(sentence) if s.kind == "age"] == [age]


@pytest.mark.parametrize(
    "sentence",
    [
        "They met at 10 Downing Street at 5pm.",
        "Rates were held at 4.75% for a 20-year period.",
        "The firm sold 2, 3 and 4 units.",
    ],
)
def test_numbers_that_are_not_ages(sentence: str) -> None:
    assert not [s for s in typed_spans(sentence) if s.kind == "age"]


def _answers(question: str, title: str, text: str) -> list[list[tuple[str, str]]]:
    """The spans of the asked kind in each sentence of `text`, best first, as the scorer
    finds them."""
    scorer = SentenceScorer(lambda term: 1.0)
    passage = Passage("a", "a.txt", title, text, 0, len(text), 1, 1)
    q = scorer.question(question, question)
    ranked = sorted(scorer.sentences(q, (passage,), {}), key=lambda s: s.start)
    return [[(a.kind, a.text) for a in s.answers] for s in ranked]


def test_a_sentences_first_word_is_a_name_only_when_prose_writes_it_capitalised() -> None:
    """ "Plans to portray…": a sentence's first word is capitalised whatever it is."""
    assert [s.text for s in typed_spans("Plans to portray the Carib Indians were criticised.")] == [
        "Carib Indians"
    ]
    assert [s.text for s in typed_spans('"Without Almunia we lose," he said.')] == ["Almunia"]
    assert [s.text for s in typed_spans("Almunia was then Arsenal's hero.")][0] == "Almunia"


def test_a_name_answers_without_the_words_the_question_holds() -> None:
    """ "Carib Chief Charles Williams" answers "Who is the chief of the Carib Indians?" as
    "Charles Williams"; before, the question's words in it put the whole name aside."""
    text = "Carib Chief Charles Williams said talks with the producers had failed."
    assert _answers("Who is the chief of the Carib Indians?", "Film row", text) == [
        [("person", "Charles Williams")]
    ]


def test_a_surname_is_a_person_when_the_passage_names_them_in_full() -> None:
    """A story names someone in full once, then by surname: "Almunia" is a person there, and
    goes before "Blades", a lone capitalised word that may be anything."""
    text = (
        "Manuel Almunia started in goal for the cup tie. "
        "After the shoot-out the Blades fans cheered Almunia as the hero."
    )
    answers = _answers("Which Arsenal goalkeeper was the hero of the shoot-out?", "Cup tie", text)
    assert answers[1] == [("person", "Almunia"), ("name", "Blades")]


def test_a_lone_capitalised_word_is_shown_first_only_where_it_is_seldom_wrong() -> None:
    """The bold short answer: a lone capitalised word ("Blades") is not shown for a person
    unless the article names someone in full with it, never for a place, and is for a company
    ("Sophos")."""
    scorer = SentenceScorer(lambda term: 1.0)

    def shown(question: str, sentence: str, article: str) -> str:
        passage = Passage("a", "a.txt", "Story", sentence, 0, len(sentence), 1, 1)
        best = scorer.sentences(scorer.question(question, question), (passage,), {})[0]
        return short_answer(question, best, lambda _: article)

    hero = "After the shoot-out the Blades fans cheered as the keeper was the hero."
    assert shown("Which Arsenal goalkeeper was the hero?", hero, hero) == ""
    saved = "Almunia was the hero of the shoot-out."
    assert shown("Which Arsenal goalkeeper was the hero?", saved, saved) == ""
    article = f"Manuel Almunia started in goal. {saved}"
    assert shown("Which Arsenal goalkeeper was the hero?", saved, article) == "Almunia"
    based = "Swarm Systems is run from offices that Caribbean investors own."
    assert shown("Where is Swarm Systems based?", based, based) == ""
    firm = "The list was drawn up by Sophos, which sells anti-virus software."
    assert shown("Which firm drew up the list?", firm, firm) == "Sophos"
    assert shown("Who drew up the list?", firm, firm) == ""


@pytest.mark.parametrize(
    ("question", "sentence", "holder"),
    [
        ("Who is the chairman of Wada?", 'Wada chairman Dick Pound said: "No."', "Dick Pound"),
        (
            "Who chairs United Breweries?",
            "It is run by Vijay Mallya, chair of the firm.",
            "Vijay Mallya",
        ),
        (
            "Who leads the TUC?",
            "TUC General Secretary Brendan Barber called for help.",
            "Brendan Barber",
        ),
        (
            "Who is the editor of Mac Format?",
            "Graham Barlow, editor of Mac Format, agreed.",
            "Graham Barlow",
        ),
        (
            "Who is the chairman of the Football Association?",
            "The chairman of the Football Association, Geoff Thompson, said it was wrong.",
            "Geoff Thompson",
        ),
        (  # after an honorific
            "Who chairs Migration Watch?",
            "But the chairman of Migration Watch UK, Sir Andrew Green, said it was wrong.",
            "Andrew Green",
        ),
        # named, but not as the holder of the post asked about
        ("Who is the chairman of the club?", "The chairman of the club met Ken Bates.", ""),
        ("Who is the editor of Mac Format?", "Chairman Ian Harris of Mac Format agreed.", ""),
        ("Who is the chairman of Wada?", "Wada met Dick Pound on Monday.", ""),
    ],
)
def test_the_holder_of_the_asked_post_stands_beside_it(
    question: str, sentence: str, holder: str
) -> None:
    roles = asked_role(question)
    held = [s.text for s in typed_spans(sentence) if holds_role(sentence, s, roles)]
    assert held == ([holder] if holder else [])


def test_only_a_question_for_a_post_holder_asks_a_role() -> None:
    assert not asked_role("Who won the race in Madrid?")
    assert not asked_role("Who said the chairman should resign?")
    assert "chief executive" in asked_role("Who heads BT?")  # any post leads
