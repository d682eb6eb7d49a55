"""The seed fixture set meets the quality bar the issue sets; CI fails below it."""

from __future__ import annotations

from qabot.evaluate import load_fixtures, run_fixtures
from qabot.qa import QA
from tests.common import FIXTURES


def test_seed_fixture_set_is_well_formed() -> None:
    items = load_fixtures(FIXTURES / "seed_questions.jsonl")
    assert len(items) >= 25
    assert sum(1 for f in items if f.history) >= 4
    assert sum(1 for f in items if f.unanswerable) >= 4


def test_seed_fixture_thresholds(seeded_qa: QA) -> None:
    items = load_fixtures(FIXTURES / "seed_questions.jsonl")
    report = run_fixtures(lambda q, h, k: seeded_qa.ask(q, h, max(k, 5)), items, k=3)
    m = report.metrics()
    failures = {
        name: m[name]
        for name, floor in [
            ("answer_recall@3", 0.95),
            ("answer_hit", 0.95),
            ("refusal_recall", 0.85),
            ("refusal_precision", 0.95),
        ]
        if m[name] < floor
    }
    assert not failures, (failures, m)
    # every citation shown was verified against its file
    for scored in report.scored:
        for c in scored.answer.citations:
            assert seeded_qa.verifier.verify(c)
