"""The `qabot` command line: ingest, ask, chat, telegram, eval, docs, add, warm; heavy imports
stay inside the commands. What they show is drawn by `terminal`."""

from __future__ import annotations

import functools
import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperCommand

from qabot.errors import QabotError
from qabot.process import configure_logging, log_to_file
from qabot.text import one_line

if TYPE_CHECKING:
    from rich.console import Console

    from qabot.ingest import IngestReport
    from qabot.qa import QA
    from qabot.settings import Settings

app = typer.Typer(
    help="qabot: ask questions about a folder of news articles; every claim is cited.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # plain click help: no boxes, no `<bool>` beside flags, no trailing spaces in a pipe
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
logger = logging.getLogger("qabot")
Command = Callable[..., None]


class Exit(QabotError):
    """A user-facing error: print the message and exit non-zero."""


def _shown(param: Any) -> str:
    """An argument as the user types it: `QUESTION...`, `[PATH]...`."""
    name = param.metavar or str(param.name).upper()
    name = name if param.required else f"[{name}]"
    return name + ("..." if param.nargs != 1 else "")


class _PlainHelp(TyperCommand):
    """Help that names arguments as they are typed (`QUESTION...`), without typer's braces
    (`{QUESTION}...`) or Python types (`QUESTION <list[str]>`). (Typer vendors its own click,
    whose types are private: hence `Any`.)"""

    def _params(self, ctx: Any, kind: str) -> list[Any]:
        return [p for p in self.get_params(ctx) if p.param_type_name == kind]

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        return [self.options_metavar or "", *map(_shown, self._params(ctx, "argument"))]

    def format_options(self, ctx: Any, formatter: Any) -> None:
        args = [(_shown(p), p.help or "") for p in self._params(ctx, "argument")]
        opts = [r for p in self._params(ctx, "option") if (r := p.get_help_record(ctx))]
        for title, rows in (("Arguments", args), ("Options", opts)):
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)


def _corpus_settings(corpus: Path | None) -> Settings:
    """Settings for a command that reads a corpus, which must be a folder (never a silent
    default): one line naming the fix otherwise, before anything is written."""
    from qabot.ingest import corpus_root
    from qabot.settings import load_settings

    settings = load_settings(corpus_dir=corpus)
    if not settings.corpus_dir.exists() and "corpus_dir" not in settings.model_fields_set:
        raise Exit(
            f"no corpus given and no {settings.corpus_dir}/ folder here: "
            "pass --corpus PATH (or set QABOT_CORPUS_DIR)"
        )
    corpus_root(settings)
    return settings


def _qa(settings: Settings) -> QA:
    from qabot.qa import QA

    return QA(settings)


def _ingest(
    qa: QA, console: Console, paths: list[Path] | None = None, rebuild: bool = False
) -> IngestReport:
    from qabot.terminal import IngestBars

    with IngestBars(console) as bars:
        return qa.ingest(paths or [], rebuild=rebuild, progress=bars)


def _fail(exc: BaseException, hint: str = "") -> None:
    from rich.text import Text

    from qabot.domain import displayable
    from qabot.terminal import make_console

    message = one_line(displayable(str(exc) or type(exc).__name__)) + hint  # one line
    make_console(stderr=True).print(Text.assemble(("error:", "red"), " ", message), soft_wrap=True)
    raise typer.Exit(code=2)


def _handle(exc: Exception) -> None:
    """One line on stderr and exit code 2; the traceback of an unexpected error with -v."""
    if isinstance(exc, QabotError):
        _fail(exc)
    if isinstance(exc, typer.Exit):  # a deliberate exit (a declined confirmation)
        raise exc
    if logger.isEnabledFor(logging.INFO):
        logger.exception("unexpected error")
        _fail(exc)
    _fail(exc, " (run again with -v for the details)")


def _guarded(command: Command) -> Command:
    """`command` with logging set by its `--verbose`, and any failure one line on stderr."""

    @functools.wraps(command)
    def run(**options: Any) -> None:
        configure_logging(bool(options.get("verbose")))
        try:
            command(**options)
        except Exception as exc:  # noqa: BLE001 - every failure gets one clear line
            _handle(exc)

    return run


def _command(group: typer.Typer, name: str | None = None) -> Callable[[Command], Command]:
    """Register a command of `group`, guarded, with plain help."""

    def register(command: Command) -> Command:
        group.command(name, cls=_PlainHelp)(_guarded(command))
        return command

    return register


Verbose = Annotated[bool, typer.Option("--verbose", "-v", help="Log progress details.")]
Since = Annotated[
    str | None,
    typer.Option(
        metavar="DATE",
        help="Only articles published on or after DATE (YYYY, YYYY-MM or YYYY-MM-DD).",
        show_default=False,
    ),
]
Until = Annotated[
    str | None,
    typer.Option(
        metavar="DATE", help="Only articles published on or before DATE.", show_default=False
    ),
]
DatedOnly = Annotated[
    bool, typer.Option("--dated-only", help="Leave out articles with no known date.")
]


Corpus = Annotated[
    Path | None,
    typer.Option(
        "--corpus",
        metavar="PATH",
        help="Corpus folder (default: QABOT_CORPUS_DIR, else ./seeds if it exists).",
        show_default=False,
    ),
]


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"qabot {version('qabot')}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """qabot: ask questions about a folder of news articles; every claim is cited."""


@_command(app)
def ingest(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Files or folders inside the corpus folder (default: all of it).",
            metavar="PATH",
        ),
    ] = None,
    rebuild: Annotated[
        bool, typer.Option(help="Drop the index and embed everything again.")
    ] = False,
    corpus: Corpus = None,
    verbose: Verbose = False,
) -> None:
    """Index the corpus folder: new and changed files are embedded, deleted ones removed."""
    from qabot.terminal import make_console, render_report

    settings = _corpus_settings(corpus)
    console = make_console()
    render_report(console, _ingest(_qa(settings), console, paths, rebuild))


def _ready_qa(settings: Settings, console: Console) -> QA:
    """A QA whose index holds the corpus (ingested on first use)."""
    from rich.text import Text

    from qabot.terminal import render_report

    qa = _qa(settings)
    if qa.index.count() == 0:
        console.print(Text(f"First run: indexing {settings.corpus_dir} …"))
        render_report(console, _ingest(qa, console))
    return qa


@_command(app)
def ask(
    words: Annotated[
        list[str], typer.Argument(help="The question (quotes optional).", metavar="QUESTION")
    ],
    corpus: Corpus = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")] = False,
    since: Since = None,
    until: Until = None,
    dated_only: DatedOnly = False,
    verbose: Verbose = False,
) -> None:
    """Answer one question and exit."""
    from qabot.date_filter import DateRange
    from qabot.terminal import TokenEcho, corpus_line, make_console, render_answer

    question = " ".join(words)
    dates = DateRange.parse(since, until, dated_only)
    settings = _corpus_settings(corpus)
    qa = _ready_qa(settings, make_console(stderr=as_json))
    if not question.strip():
        raise Exit("the question is empty")
    if verbose:
        qa.warm_up()
        logger.info("%s", corpus_line(settings.corpus_dir, *qa.stats()))
    echo = None
    if settings.llm and not as_json:
        echo = TokenEcho(make_console())
        echo.start()
    try:
        answer = qa.ask(question, on_token=echo, dates=dates)
    finally:
        streamed = echo.finish() if echo is not None else ""
    if as_json:
        sys.stdout.write(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2) + "\n")
    else:
        render_answer(make_console(), answer, streamed=streamed)


@_command(app)
def chat(
    corpus: Corpus = None,
    since: Since = None,
    until: Until = None,
    dated_only: DatedOnly = False,
    verbose: Verbose = False,
) -> None:
    """Talk with the corpus: a REPL with line editing, history, /sources, /save and /reset."""
    from qabot.date_filter import DateRange
    from qabot.repl import Repl
    from qabot.terminal import make_console

    dates = DateRange.parse(since, until, dated_only)
    settings = _corpus_settings(corpus)
    if not verbose:
        log_to_file(settings.data_dir / "chat.log")
    if sys.stdin.isatty():
        # Load the line editor before the warm-up thread starts importing torch and holding
        # the GIL, so that the prompt appears at once.
        import prompt_toolkit.shortcuts  # noqa: F401
    from qabot.background_qa import BackgroundQA

    console = make_console()
    qa = BackgroundQA(settings, console)  # the prompt is shown at once; the model loads meanwhile
    Repl(
        qa.ask,
        console,
        history_file=settings.data_dir / "repl_history",
        max_turns=settings.history_turns,
        stream=bool(settings.llm),
        corpus=str(settings.corpus_dir.resolve()),
        about=qa.about,
        dates=dates,
    ).run()


@_command(app)
def telegram(corpus: Corpus = None, verbose: Verbose = False) -> None:
    """Serve qabot as a Telegram bot (TELEGRAM_BOT_TOKEN, QABOT_TELEGRAM_ALLOWED_USERS)."""
    settings = _corpus_settings(corpus)
    from qabot.telegram_bot import run

    run(settings)


@_command(app, "eval")
def eval_(
    fixtures: Annotated[
        Path,
        typer.Argument(
            help="Fixture set, JSON Lines.", exists=True, dir_okay=False, metavar="FIXTURES"
        ),
    ],
    corpus: Corpus = None,
    k: Annotated[int, typer.Option(min=1, help="Cut-off for the @k metrics.")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Print metrics as JSON.")] = False,
    out: Annotated[Path | None, typer.Option(help="Write one JSON record per question.")] = None,
    retriever: Annotated[
        str, typer.Option(help="hybrid | dense | bm25 (for comparisons).")
    ] = "hybrid",
    calibrate: Annotated[
        bool,
        typer.Option(
            help="Also report the refusal threshold that fits this set best, and the highest one"
            " that refuses at most 5% of its answerable questions."
        ),
    ] = False,
    since: Since = None,
    until: Until = None,
    dated_only: DatedOnly = False,
    verbose: Verbose = False,
) -> None:
    """Measure retrieval and answers against a fixture set (metrics: docs/DESIGN.md)."""
    from rich.progress import Progress
    from rich.text import Text

    from qabot.date_filter import DateRange
    from qabot.evaluate import load_fixtures, run_fixtures
    from qabot.qa import QA
    from qabot.terminal import make_console, render_metrics

    if retriever not in ("hybrid", "dense", "bm25"):
        raise Exit(f"--retriever must be hybrid, dense or bm25, not {retriever!r}")
    dates = DateRange.parse(since, until, dated_only)
    settings = _corpus_settings(corpus)
    items = load_fixtures(fixtures)
    console = make_console(stderr=True)
    qa = QA(settings, mode=retriever)  # type: ignore[arg-type]
    report = _ingest(qa, console)
    if report.changed:
        console.print(
            Text(
                f"indexed {settings.corpus_dir}: {len(report.added)} added, "
                f"{len(report.updated)} updated, {len(report.removed)} removed"
            )
        )
    qa.warm_up()
    depth = max(k, settings.top_k)
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task("questions", total=len(items))
        result = run_fixtures(
            lambda q, h, _k: qa.ask(q, h, depth, dates=dates),
            items,
            k,
            lambda: bar.advance(task),
        )
    metrics = result.metrics()
    if calibrate:
        threshold, accuracy = result.calibrate()
        metrics["calibrated_threshold"] = round(threshold, 4)
        metrics["calibrated_accuracy"] = round(accuracy, 4)
        highest = result.highest_threshold(0.05)
        if highest is not None:
            metrics["threshold_at_5pct_false_refusals"] = round(highest[0], 4)
            metrics["refusal_recall_at_that_threshold"] = round(highest[1], 4)
    if out is not None:
        result.write_records(out)
    if as_json:
        sys.stdout.write(json.dumps(metrics, indent=2) + "\n")
    else:
        title = f"qabot eval — {fixtures.name} ({retriever})"
        render_metrics(make_console(), metrics, title)


docs_app = typer.Typer(
    help="See what is indexed (qabot docs), or remove an article (qabot docs remove FILE).",
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(docs_app, name="docs")


@docs_app.callback(invoke_without_command=True)
def docs(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print the list as JSON.")] = False,
    corpus: Corpus = None,
    verbose: Verbose = False,
) -> None:
    """Every indexed article: file, title, site, author and date (where known), passages,
    twins (files with the same text), when it was indexed, and its URL."""
    if ctx.invoked_subcommand is not None:
        ctx.obj = corpus
        return
    _guarded(_list_docs)(as_json=as_json, corpus=corpus, verbose=verbose)


def _list_docs(as_json: bool, corpus: Path | None, verbose: bool) -> None:
    from qabot.catalog import catalog
    from qabot.ingest import corpus_root
    from qabot.terminal import make_console, render_catalog

    settings = _corpus_settings(corpus)
    root = corpus_root(settings)
    entries = catalog(_qa(settings).store, root)
    if as_json:
        records = [e.to_dict() for e in entries]
        sys.stdout.write(json.dumps(records, ensure_ascii=False, indent=2) + "\n")
    else:
        render_catalog(make_console(), entries, root)


@_command(docs_app, "remove")
def docs_remove(
    ctx: typer.Context,
    file: Annotated[
        str,
        typer.Argument(help="The file, as `qabot docs` names it, or a path.", metavar="FILE"),
    ],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    corpus: Corpus = None,
    verbose: Verbose = False,
) -> None:
    """Delete an article: its file from the corpus folder and its passages from the index.

    (Removing it from the index alone would not last: the next ingest would index the file
    again.) Asks first, unless --yes.
    """
    from rich.text import Text

    from qabot import corpus_folder
    from qabot.catalog import catalog, find
    from qabot.ingest import corpus_root
    from qabot.terminal import make_console

    settings = _corpus_settings(corpus or ctx.obj)
    root = corpus_root(settings)
    qa = _qa(settings)
    entry = find(catalog(qa.store, root), root, file)
    if entry is None:
        raise Exit(f"{file} is not in the index of {root} (`qabot docs` lists what is)")
    path = root / entry.source
    if path.is_file() and not yes:
        if not sys.stdin.isatty():
            raise Exit(f"this deletes {path}; pass --yes to confirm")
        if not typer.confirm(f"Delete {path} and its {entry.passages} passages from the index?"):
            raise typer.Exit(1)
    scope = corpus_folder.delete(root, entry.source)
    console = make_console()
    report = _ingest(qa, console, [scope])
    if entry.source not in report.removed:
        raise Exit(f"{entry.source} was deleted but is still in the index; run qabot ingest")
    console.print(
        Text(
            f"Deleted {path} and its {entry.passages} passages from the index "
            f"({report.total_passages} passages left)."
        )
    )


@_command(app)
def add(
    items: Annotated[
        list[str],
        typer.Argument(help="Files to copy in, or http(s) URLs of articles.", metavar="FILE|URL"),
    ],
    corpus: Corpus = None,
    verbose: Verbose = False,
) -> None:
    """Add articles to the corpus folder and index them: a file is copied in; a web page is
    fetched and saved as a file, with its URL (and date, where the page gives one) recorded,
    so that `qabot docs` shows where it came from."""
    from rich.text import Text

    from qabot import corpus_folder
    from qabot.fetch import FetchError
    from qabot.ingest import corpus_root
    from qabot.terminal import make_console, render_report

    settings = _corpus_settings(corpus)
    root = corpus_root(settings)
    console = make_console()
    added: list[Path] = []
    failures: list[str] = []
    for item in items:
        try:
            added.append(corpus_folder.add(root, item, settings.llm_timeout))
        except (corpus_folder.AddError, FetchError) as exc:
            failures.append(str(exc))
    if added:
        render_report(console, _ingest(_qa(settings), console, added))
        for path in added:
            console.print(Text(f"Added {path.relative_to(root).as_posix()}."))
    if failures:
        raise Exit("; ".join(failures))


@_command(app)
def warm(verbose: Verbose = False) -> None:
    """Prepare the models now (their ONNX exports are made once per machine)."""
    from qabot.answer_reader import AnswerReader
    from qabot.embeddings import get_embedder
    from qabot.settings import load_settings
    from qabot.terminal import make_console

    settings = load_settings()
    console = make_console()
    with console.status("Preparing the embedding model…"):
        get_embedder(settings).warm_up()
    if settings.answer_reader:
        with console.status("Preparing the answer reader…"):
            AnswerReader(settings.cache_dir).warm_up()
    console.print(f"Embedding model ready ({settings.embedding_backend}; {settings.cache_dir}).")


def main() -> None:
    from qabot.process import configure_libraries

    configure_libraries()
    app()


if __name__ == "__main__":
    main()
