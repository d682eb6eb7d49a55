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
        "lighthouse.txt": ("Lighthouse keeper's cottage to become a museum", "", "", ""),
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


# --- (3) dates and authors that answer -------------------------------------------------------
@pytest.mark.parametrize(
    ("question", "source", "short", "line", "stated"),
    [
        (
            "When was the story about the harbour bridge published?",
            "harbour-bridge.html",
            "5 June 2022",
            25,
            '<time datetime="2022-06-05T08:30:00+01:00">5 June 2022</time>',
        ),
        (
            "Who wrote the article about the council tax rise?",
            "council-budget.html",
            "Tom Baker",
            20,
            '<span class="author vcard">Tom Baker</span>',
        ),
        (
            "Who wrote the story about the ferry strike?",
            "ferry-strike.md",
            "Alex Moreno",
            3,
            "author: Alex Moreno",
        ),
        (
            "When was the report on the Severn flood defences published?",
            "flood-report.pdf",
            "10 July 2022",
            1,  # the page
            None,
        ),
        (
            "When was the story about the riverside market published?",
            "market-day.txt",
            "3 March 2023",
            5,
            "Published 3 March 2023",
        ),
    ],
)
def test_when_and_who_are_answered_from_the_metadata_with_the_line_that_holds_it(
    news: tuple[Path, dict[str, str]],
    question: str,
    source: str,
    short: str,
    line: int,
    stated: str | None,
) -> None:
    got = ask(news, question)
    assert got["short_answer"] == short and not got["refused"]
    assert f"{short}. [1]" in got["answer"]
    (cited,) = got["citations"]
    assert (cited["source"], cited["start_line"], cited["end_line"]) == (source, line, line)
    if stated is not None:
        assert stated in file_line(news, source, line)


def test_an_author_only_the_pdf_information_gives_is_said_to_come_from_it(
    news: tuple[Path, dict[str, str]],
) -> None:
    got = ask(news, "Who wrote the report on the Severn flood defences?")
    assert got["short_answer"] == "River Authority"
    assert got["citations"] == [] and "metadata of flood-report.pdf" in got["notice"]


def test_a_question_about_an_article_the_corpus_lacks_is_not_answered_from_another(
    news: tuple[Path, dict[str, str]],
) -> None:
    got = ask(news, "When was the article about the moon landing published?")
    assert got["refused"] is True


STORM = "How many people did the storm on the coast kill?"


def test_since_and_until_restrict_the_search_by_publication_date(
    news: tuple[Path, dict[str, str]],
) -> None:
    later = ask(news, STORM, "--since", "2022-06-05")
    assert {c["source"] for c in later["citations"]} == {"coast-storm-gazette.txt"}
    assert all((p["published"] or "9999") >= "2022-06-05" for p in later["passages"])
    assert later["notice"].startswith("Searched articles published since 5 Jun 2022")
    earlier = ask(news, STORM, "--until", "2022-06-04")
    assert {c["source"] for c in earlier["citations"]} == {"coast-storm-courier.md"}
    assert all(
        p["published"] is None or p["published"] <= "2022-06-04" for p in earlier["passages"]
    )
    month = ask(news, STORM, "--since", "2022-06", "--until", "2022-06")
    assert {p["published"][:7] for p in month["passages"] if p["published"]} == {"2022-06"}


def test_undated_articles_are_kept_unless_asked(news: tuple[Path, dict[str, str]]) -> None:
    question = "How much did the heritage trust raise for the lighthouse museum?"
    kept = ask(news, question, "--since", "2023")
    assert kept["citations"][0]["source"] == "lighthouse.txt"
    assert kept["citations"][0]["published"] is None
    dated = ask(news, question, "--since", "2023", "--dated-only")
    assert all(p["source"] != "lighthouse.txt" for p in dated["passages"])
    assert all(p["published"] >= "2023-01-01" for p in dated["passages"])


def test_a_date_that_cannot_be_read_is_one_line(news: tuple[Path, dict[str, str]]) -> None:
    result = CliRunner().invoke(app, ["ask", "--since", "June-ish", STORM], env=news[1])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "error: cannot read 'June-ish' as a date; write YYYY, YYYY-MM or YYYY-MM-DD "
        "(e.g. 2022-06-05)"
    ]


def test_since_in_the_repl(news: tuple[Path, dict[str, str]]) -> None:
    script = [
        "/since 2022-06-05",
        STORM,
        "/since off",
        "/until 2022-06-04",
        STORM,
        "/until off",
        "/dated-only maybe",
        "/since 2022-07 ",
        "/until 2022-06",
    ]
    result = CliRunner().invoke(app, ["chat"], input="\n".join(script) + "\n", env=news[1])
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())
    assert "Searching articles published since 5 Jun 2022 (and undated ones)." in out
    first, second = out.split("Searching articles published until 4 Jun 2022")
    assert "coast-storm-gazette.txt:5" in first and "coast-storm-courier.md" not in first
    assert "coast-storm-courier.md:10" in second.split("Searching all articles.")[0]
    assert "say /dated-only on or /dated-only off" in out
    assert "1 Jul 2022 is after 30 Jun 2022" in out


def test_eval_since(news: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    fixtures = tmp_path / "storm.jsonl"
    item = {"id": "storm", "question": STORM, "source": "coast-storm-courier.md", "answers": ["9"]}
    fixtures.write_text(json.dumps(item) + "\n")
    out = tmp_path / "records.jsonl"
    args = ["eval", str(fixtures), "--out", str(out), "--json", "--until", "2022-06-04"]
    result = CliRunner().invoke(app, args, env=news[1])
    assert result.exit_code == 0, result.output
    record = json.loads(out.read_text())
    assert record["answer_hit"] is True
    assert {p["source"] for p in record["passages"]} <= {"coast-storm-courier.md", "lighthouse.txt"}


# --- (4) disagreeing sources, surfaced -------------------------------------------------------
def test_reports_that_disagree_are_both_shown_newest_first(
    news: tuple[Path, dict[str, str]],
) -> None:
    got = ask(news, STORM)
    assert not got["refused"]
    first, second = got["citations"]
    assert (first["source"], first["published"]) == ("coast-storm-gazette.txt", "2022-06-06")
    assert (second["source"], second["published"]) == ("coast-storm-courier.md", "2022-06-04")
    assert "killed 12 people" in first["quote"] and "killed 9 people" in second["quote"]
    assert got["short_answer"] == "12 or 9"
    assert got["notice"] == (
        "Sources differ: 12 [1] (coast-storm-gazette.txt, 6 Jun 2022); "
        "9 [2] (Coastal Courier, 4 Jun 2022)."
    )
    shown = CliRunner().invoke(app, ["ask", STORM], env=news[1]).stdout
    assert shown.splitlines()[0] == got["notice"]  # one line, above the answer


def test_one_report_alone_is_not_a_disagreement(news: tuple[Path, dict[str, str]]) -> None:
    got = ask(news, STORM, "--until", "2022-06-04")
    assert got["notice"].startswith("Searched") and "differ" not in got["notice"]
    assert got["short_answer"] == "9"
