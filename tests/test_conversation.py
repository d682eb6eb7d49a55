"""Follow-up questions resolved against the chat history, without a language model."""

from __future__ import annotations

from qabot.conversation import condense, is_follow_up, leaned_on


def test_condense_only_rewrites_follow_ups() -> None:
    assert condense("Who is Peter Cook?", ["Who did Carter talk to?"]) == "Who is Peter Cook?"
    assert condense("And why?", ["Did Carter call?"]) == "Did Carter call? And why?"
    assert condense("Why did they?", []) == "Why did they?"
    assert is_follow_up("When did that happen?")
    assert not is_follow_up("When did the US and Russian defense chiefs speak?")
    assert is_follow_up("Who is the company's chief executive?")  # named by its kind
    assert is_follow_up("How much did the company earn in 2004?")
    assert is_follow_up("Where was the match played?")  # any kind: "the match", "the play"
    assert is_follow_up("How many had the market been expecting?")
    assert not is_follow_up("Who is directing the film of The Da Vinci Code?")  # says which
    # words that point at nothing: a question that uses them stands alone
    assert not is_follow_up("How long has it been since El Guerrouj last raced cross country?")
    assert not is_follow_up("How long does it take light from the Sun to reach the Earth?")
    assert not is_follow_up("Which comedy club set up a service that texts people a joke?")
    assert not is_follow_up("How many wi-fi hotspots are there in London?")
    assert not is_follow_up("How much more do indoor parking spaces cost in Beijing?")
    assert is_follow_up("How much will it cost in the UK?")  # "it" is the story's gadget
    assert is_follow_up("Who did he say is taking the lead with Russia?")  # "he" comes first
    # a question that names what its pronoun means stands alone (a topic switch)
    assert not is_follow_up("How much will Sony's PSP cost when it goes on sale in Japan?")


def test_a_follow_up_leans_on_the_questions_back_to_the_one_that_named_its_story() -> None:
    history = ["Who is Peter Cook?", "Who did Carter talk to?", "How long did they talk?"]
    assert leaned_on("And why?", history) == history[1:]  # the story: Carter's call
    assert leaned_on("Who is Ash Carter?", history) == []  # names its own subject
    assert leaned_on("And why?", []) == []
    only_follow_ups = ["Why so?", "And then?", "How?", "What?"]
    assert leaned_on("Why?", only_follow_ups) == only_follow_ups[1:]  # at most three turns
