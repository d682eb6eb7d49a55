"""Evaluation: fixture parsing, answer matching and metrics on hand-made answers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qabot.domain import Answer, Citation, Passage
from qabot.evaluate import Fixture, FixtureError, Report, Scored, load_fixtures, normalize


def _p(source: str, text: str) -> Passage:
    return Passage("id-" + text[:5], source, "T", text, 0, len(text), 1, 1)


def _answer(text: str, passages: list[Passage], cite: str | None, refused: bool = False) -> Answer:
    cites = (Citation(1, cite, "T", 1, 1, 0, 1, "x"),) if cite else ()
    return Answer("q", "q", text, cites, tuple(passages), refused=refused, evidence=0.5)


def test_normalize_folds_quotes_space_and_case() -> None:
    assert normalize("“Tactical,   PRACTICAL’s”\u00a0ﬁne") == '"tactical, practical\'s" fine'


def test_metrics_on_known_answers() -> None:
    fx_a = Fixture("a", "Who?", "a.txt", ("Shoigu",))
    fx_b = Fixture("b", "When?", "b.txt", ("Tuesday",))
    fx_u = Fixture("u", "Capital?", None, (), unanswerable=True)
    report = Report(k=2)
    report.scored = [
        Scored(
            fx_a, _answer("Sergei Shoigu [1]", [_p("a.txt", "Sergei Shoigu spoke")], "a.txt"), 2
        ),
        Scored(
            fx_b,
            _answer(
                "Monday [1]",
                [_p("x.txt", "nothing"), _p("b.txt", "on Tuesday"), _p("b.txt", "x")],
                "x.txt",
            ),
            2,
        ),
        Scored(fx_u, _answer("I could not", [_p("x.txt", "n")], None, refused=True), 2),
    ]
    m = report.metrics()
    assert m["doc_recall@1"] == 0.5
    assert m["doc_recall@2"] == 1.0
    assert m["answer_recall@2"] == 1.0
    assert m["mrr"] == 0.75
    assert m["answer_hit"] == 0.5
    assert m["refusal_precision"] == 1.0 and m["refusal_recall"] == 1.0
    assert m["false_refusals"] == 0.0


def test_fixture_errors_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "f.jsonl"
    path.write_text(json.dumps({"id": "x", "question": "q", "source": "a"}) + "\n")
    with pytest.raises(FixtureError, match="f.jsonl:1"):
        load_fixtures(path)
    path.write_text("{not json\n")
    with pytest.raises(FixtureError, match="not a fixture"):
        load_fixtures(path)


def test_calibration_separates_the_classes() -> None:
    report = Report(k=1)
    for i, (evidence, unanswerable) in enumerate([(0.1, True), (0.2, True), (0.5, False)]):
        fx = Fixture(
            str(i),
            "q",
            None if unanswerable else "a",
            () if unanswerable else ("x",),
            unanswerable=unanswerable,
        )
        answer = Answer("q", "q", "t", (), (), evidence=evidence)
        report.scored.append(Scored(fx, answer, 1))
    threshold, accuracy = report.calibrate()
    assert 0.2 < threshold < 0.5 and accuracy == 1.0


def test_the_highest_threshold_refuses_at_most_the_share_of_answerable_questions_allowed() -> None:
    report = Report(k=1)
    answerable = [0.3, 0.1, 0.5, 0.7, 0.9] * 4  # 20: 5% allows one refusal, 20% four
    for i, (evidence, unanswerable) in enumerate(
        [(e, False) for e in answerable] + [(0.05, True), (0.2, True), (0.6, True)]
    ):
        fx = Fixture(str(i), "q", None, (), unanswerable=unanswerable)
        report.scored.append(Scored(fx, Answer("q", "q", "t", (), (), evidence=evidence), 1))
    # four answerable items tie at 0.1: refusing any of them refuses all four
    assert report.highest_threshold(0.05) == (0.1, 1 / 3)
    assert report.highest_threshold(0.2) == (0.3, 2 / 3)
    assert Report(k=1).highest_threshold() is None
