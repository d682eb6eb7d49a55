"""A name the question writes in full, read with the short form its articles use."""

from __future__ import annotations

from qabot.acronyms import definitions, read_as

STORY = (
    "The Trades Union Congress (TUC) is calling on the government to stem job losses. "
    "The World Anti-Doping Agency (Wada) will appeal. Critics at the Royal Academy of Dance "
    "(RAD) agreed. Its chief executive (CEO) said nothing."
)


def test_definitions_are_the_names_whose_initials_the_short_form_gives() -> None:
    assert definitions([STORY]) == {
        "Trades Union Congress": "TUC",
        "World Anti-Doping Agency": "Wada",  # a hyphen parts words
        "Royal Academy of Dance": "RAD",  # "Critics at the" are not part of it
    }  # "chief executive (CEO)": no name in front


def test_the_question_reads_the_short_form_beside_the_full_name() -> None:
    assert (
        read_as("Who leads the trades union congress, which wants action?", [STORY])
        == "Who leads the trades union congress (TUC), which wants action?"
    )
    # written already, or not defined by any passage: the question is left as it is
    assert read_as("Is the TUC (Trades Union Congress) angry?", [STORY]) == (
        "Is the TUC (Trades Union Congress) angry?"
    )
    assert read_as("Who heads the British Chambers of Commerce?", [STORY]) == (
        "Who heads the British Chambers of Commerce?"
    )
    # a short form of the question is not written out: "US" is too often another name's
    assert read_as("What did the TUC say?", [STORY]) == "What did the TUC say?"
