"""Articles as news, through `qabot ask --json` on a mixed corpus of saved web pages (three
site layouts), Markdown with front matter, a PDF report and plain text: true lines in every
format, clutter kept out, metadata on every citation, dates and authors that answer, and
sources that disagree shown side by side. Every citation is checked against its file by the
checker `qabot eval` uses."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from qabot.citations import CitationVerifier
from qabot.cli import app
from qabot.domain import Citation
from tests.common import write_news_corpus


@pytest.fixture(scope="module")
def news(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """(corpus, environment) of the mixed news corpus, ingested once."""
    base = tmp_path_factory.mktemp("news")
    corpus = write_news_corpus(base / "corpus")
    env = {"QABOT_CORPUS_DIR": str(corpus), "QABOT_DATA_DIR": str(base / "data")}
    result = CliRunner().invoke(app, ["ingest"], env=env)
    assert result.exit_code == 0, result.output
    return corpus, env


def ask(news: tuple[Path, dict[str, str]], question: str, *options: str) -> dict[str, Any]:
    """The `qabot ask --json` record of `question`, its citations checked against the files."""
    corpus, env = news
    result = CliRunner().invoke(app, ["ask", "--json", *options, question], env=env)
    assert result.exit_code == 0, result.output
    record: dict[str, Any] = json.loads(result.stdout)
    verifier = CitationVerifier(corpus)
    for c in record["citations"]:
        citation = Citation(
            n=c["n"],
            source=c["source"],
            title=c["title"],
            start_line=c["start_line"],
            end_line=c["end_line"],
            start_char=c["start_char"],
            end_char=c["end_char"],
            quote=c["quote"],
        )
        assert verifier.verify(citation), c
    return record


def file_line(news: tuple[Path, dict[str, str]], source: str, line: int) -> str:
    return (news[0] / source).read_text(encoding="utf-8").split("\n")[line - 1]


# --- (1) lines that are true for every format ------------------------------------------------
def test_html_is_cited_at_the_lines_of_the_html_file(news: tuple[Path, dict[str, str]]) -> None:
    got = ask(news, "How many suspension cables did engineers replace on the harbour bridge?")
    first = got["citations"][0]
    assert first["source"] == "harbour-bridge.html"
    # the sentence spans two lines of the page's markup; the quote is the extracted text
    assert (first["start_line"], first["end_line"]) == (27, 28)
    assert "Engineers replaced 48" in file_line(news, "harbour-bridge.html", 27)
    assert "county surveyor late on Friday evening" in file_line(news, "harbour-bridge.html", 28)
    assert first["quote"].startswith("Engineers replaced 48 of the bridge's 120 suspension")
    assert "<" not in first["quote"]


def test_html_entities_and_inline_markup_are_quoted_as_read(
    news: tuple[Path, dict[str, str]],
) -> None:
    got = ask(news, "How much does the council tax rise add to a Band D bill?")
    first = got["citations"][0]
    assert first["source"] == "council-budget.html"
    assert "£96 a year" in first["quote"]  # &pound;96 in the file
    assert first["start_line"] == 23
    assert "&pound;96" in file_line(news, "council-budget.html", 23)


def test_markdown_is_cited_in_its_own_lines_without_markup(
    news: tuple[Path, dict[str, str]],
) -> None:
    got = ask(news, "What pay rise did Western Isles Ferries offer the ferry crews?")
    first = got["citations"][0]
    assert first["source"] == "ferry-strike.md"
    assert first["start_line"] == first["end_line"] == 11
    assert "**A 48-hour strike" in file_line(news, "ferry-strike.md", 11)
    assert first["quote"].startswith("A 48-hour strike by ferry crews")
    assert "Western Isles Ferries, offered" in first["quote"]
    assert not {"*", "[", "]", "(http"} & set(first["quote"].split())
    assert "**" not in got["answer"] and "](" not in got["answer"]


def test_pdf_is_cited_by_page(news: tuple[Path, dict[str, str]]) -> None:
    question = "How many barriers had not been test-closed since 2015?"
    got = ask(news, question)
    first = got["citations"][0]
    assert first["source"] == "flood-report.pdf"
    assert first["start_line"] == first["end_line"] == 3  # the page
    assert first["quote"].startswith("The review found that 14 of the 37 barriers")
    shown = CliRunner().invoke(app, ["ask", question], env=news[1])
    assert "flood-report.pdf p. 3" in shown.stdout


def test_text_is_cited_at_its_line(news: tuple[Path, dict[str, str]]) -> None:
    got = ask(news, "How many pitches have been marked out in the town square?")
    first = got["citations"][0]
    assert first["source"] == "market-day.txt"
    assert first["start_line"] == 12
    assert "40 pitches" in file_line(news, "market-day.txt", 12)


# --- (5) clutter stays out -------------------------------------------------------------------
@pytest.mark.parametrize(
    "question",
    [
        "How much did the school fete raise for the new library?",  # "Most read" boxes
        "Which two kayakers did the lifeboat crew rescue?",
        "How much does a subscription to the Harbour Herald cost a week?",
        "What did the commenter say about the potholes?",
    ],
)
def test_page_boxes_are_never_passages(news: tuple[Path, dict[str, str]], question: str) -> None:
    got = ask(news, question)
    clutter = ("School fete", "kayakers", "£1 a week", "potholes", "cookies", "Subscribe")
    for text in [got["answer"], *(p["text"] for p in got["passages"])]:
        assert not any(c in text for c in clutter), text


# --- (2) article metadata --------------------------------------------------------------------
def test_every_citation_and_passage_carries_its_article_metadata(
    news: tuple[Path, dict[str, str]],
) -> None:
    question = "How many suspension cables did engineers replace on the harbour bridge?"
    got = ask(news, question)
    first = got["citations"][0]
    assert (first["author"], first["published"], first["site"]) == (
        "Jane Smith",
        "2022-06-05",
        "Harbour Herald",
    )
    assert first["url"] == "https://www.harbourherald.example/news/harbour-bridge-reopens"
    assert first["title"] == "Harbour bridge reopens after six months of repairs"
    for p in got["passages"]:
        assert {"author", "published", "site", "url"} <= set(p)
    shown = " ".join(CliRunner().invoke(app, ["ask", question], env=news[1]).stdout.split())
    assert (
        "[1] Harbour bridge reopens after six months of repairs — Harbour Herald, Jane Smith, "
        "5 Jun 2022 — harbour-bridge.html:27-28"
    ) in shown


def test_docs_lists_title_author_date_and_site_of_every_format(
    news: tuple[Path, dict[str, str]],
) -> None:
    result = CliRunner().invoke(app, ["docs", "--json"], env=news[1])
    assert result.exit_code == 0, result.output
    docs = {d["source"]: d for d in json.loads(result.stdout)}
    got = {s: (d["title"], d["author"], d["date"], d["site"]) for s, d in docs.items()}
    assert got == {
        "harbour-bridge.html": (
            "Harbour bridge reopens after six months of repairs",
            "Jane Smith",
            "2022-06-05",
            "Harbour Herald",
        ),
        # the byline line "Published 5 June 2022, by Staff Reporter" gives the author
        "solar-farm.html": (
            "Solar farm approved on former airfield",
            "Staff Reporter",
            "2022-06-05",
            "Valley Echo",
        ),
        "council-budget.html": (
            "Council agrees 4.9% council tax rise",
            "Tom Baker",
            "2023-03-03",
            "Northfield Gazette",
        ),
        "ferry-strike.md": (
            "Ferry strike called off after last-minute pay deal",
            "Alex Moreno",
            "2023-04-18",
            "Island Times",
        ),
        # the report's own "Published" line, not the PDF's creation date (11 July)
        "flood-report.pdf": (
            "River Severn flood defences: annual review",
            "River Authority",
            "2022-07-10",
            "",
        ),
        "market-day.txt": (
            "Riverside market to close for six weeks",
            "Tom Baker",
            "2023-03-03",
            "",
        ),
        "coast-storm-gazette.txt": (
            "Storm death toll rises as clean-up begins on the coast",
            "",
            "2022-06-06",
            "",
        ),
        "coast-storm-courier.md": (
            "Storm batters the coast overnight",
            "Sam Okafor",
            "2022-06-04",
            "Coastal Courier",
        ),
    }
    shown = CliRunner().invoke(app, ["docs"], env=news[1]).stdout
    assert "Harbour Herald, Jane Smith · dated 2022-06-05" in " ".join(shown.split())


def test_eval_records_carry_the_metadata(news: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    fixtures = tmp_path / "news.jsonl"
    fixtures.write_text(
        json.dumps(
            {
                "id": "news-1",
                "question": "What pay rise did Western Isles Ferries offer the ferry crews?",
                "source": "ferry-strike.md",
                "answers": ["7%"],
            }
        )
        + "\n"
    )
    out = tmp_path / "records.jsonl"
    result = CliRunner().invoke(app, ["eval", str(fixtures), "--out", str(out)], env=news[1])
    assert result.exit_code == 0, result.output
    record = json.loads(out.read_text())
    assert record["answer_hit"] is True
    assert record["citations"][0]["published"] == "2023-04-18"
    assert record["passages"][0]["author"] == "Alex Moreno"
