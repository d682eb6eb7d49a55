"""The `qabot` command line: ingest, ask, chat, telegram, eval, warm; heavy imports stay inside."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from qabot.errors import QabotError

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import TaskID

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


class Exit(QabotError):
    """A user-facing error: print the message and exit non-zero."""


def _configure_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # httpx logs request URLs at INFO, and a Telegram URL carries the bot token.
    for noisy in (
        "httpx",
        "httpcore",
        "chromadb",
        "sentence_transformers",
        "transformers",
        "bm25s",
    ):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _log_to_file(path: Path) -> None:
    """Send log records to `path` instead of the terminal (the REPL without -v: warnings must
    not print into the conversation)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, logging.StreamHandler) and not isinstance(
            handler, logging.FileHandler
        ):
            root.removeHandler(handler)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(path, encoding="utf-8")
    except OSError:
        root.addHandler(logging.NullHandler())
        return
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)


def _settings(**overrides: object) -> Settings:
    """The settings, checked: a bad value or an unreadable `.env` is one line naming what to
    fix, before anything is written to the data dir."""
    from pydantic import ValidationError

    from qabot.settings import Settings

    try:
        settings = Settings(**{k: v for k, v in overrides.items() if v is not None})  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = "; ".join(
            f"{_env_name(e['loc'])} {e['msg'].removeprefix('Value error, ')}" for e in exc.errors()
        )
        raise Exit(f"invalid settings: {problems} (set in the environment or .env)") from None
    except UnicodeDecodeError as exc:  # only the .env file is decoded here
        env_file = Settings.model_config.get("env_file")
        raise Exit(
            f"{env_file} is not UTF-8 (byte {exc.object[exc.start]:#04x} at offset {exc.start});"
            f" save {env_file} as UTF-8"
        ) from None
    return settings


def _env_name(loc: tuple[int | str, ...]) -> str:
    """The variable that sets a settings field, as the user wrote it."""
    from qabot.settings import Settings

    name = str(loc[0]) if loc else "?"
    return f"QABOT_{name.upper()}:" if name in Settings.model_fields else f"{name}:"


def _corpus_settings(corpus: Path | None) -> Settings:
    """Settings for a command that reads a corpus, which must be a folder (never a silent
    default): one line naming the fix otherwise, before anything is written."""
    from qabot.ingest import corpus_root

    settings = _settings(corpus_dir=corpus)
    if not settings.corpus_dir.exists() and "corpus_dir" not in settings.model_fields_set:
        raise Exit(
            f"no corpus given and no {settings.corpus_dir}/ folder here: "
            "pass --corpus PATH (or set QABOT_CORPUS_DIR)"
        )
    corpus_root(settings)
    return settings


def _corpus_line(settings: Settings, qa: QA) -> str:
    """Which corpus answers, and how much of it the loaded index holds."""
    articles, passages = qa.stats()
    return (
        f"Corpus {settings.corpus_dir.resolve()}: {articles} article{'s' * (articles != 1)}, "
        f"{passages} passage{'s' * (passages != 1)}."
    )


def _console(stderr: bool = False) -> Console:
    """A console that writes plain, unwrapped lines when its stream is not a terminal."""
    from rich.console import Console

    console = Console(stderr=stderr, highlight=False)
    console.soft_wrap = not console.is_terminal
    return console


def _qa(settings: Settings) -> QA:
    from qabot.qa import QA

    return QA(settings)


class _RichIngestProgress:
    """Progress bars for ingest: files scanned, then passages embedded."""

    def __init__(self, console: Console) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=True,
        )
        self.files: TaskID | None = None
        self.embed: TaskID | None = None
        self.to_embed = 0

    def __enter__(self) -> _RichIngestProgress:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def scanning(self, files: int) -> None:
        self.files = self.progress.add_task("files", total=files)

    def file_done(self, source: str) -> None:
        if self.files is not None:
            self.progress.advance(self.files)

    def embedding(self, texts: int) -> None:
        if self.embed is None:
            self.embed = self.progress.add_task("passages embedded", total=0)
        self.to_embed += texts
        self.progress.update(self.embed, total=self.to_embed)

    def embedded(self, n: int) -> None:
        if self.embed is not None:
            self.progress.advance(self.embed, n)


def _ingest(
    qa: QA, console: Console, paths: list[Path] | None = None, rebuild: bool = False
) -> IngestReport:
    with _RichIngestProgress(console) as bars:
        return qa.ingest(paths or [], rebuild=rebuild, progress=bars)  # type: ignore[arg-type]


def _fail(exc: BaseException, hint: str = "") -> None:
    from rich.text import Text

    from qabot.domain import displayable

    message = " ".join(displayable(str(exc) or type(exc).__name__).split()) + hint  # one line
    _console(stderr=True).print(Text.assemble(("error:", "red"), " ", message), soft_wrap=True)
    raise typer.Exit(code=2)


Verbose = Annotated[bool, typer.Option("--verbose", "-v", help="Log progress details.")]
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


@app.command()
def ingest(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Files or folders inside the corpus folder (default: all of it)."),
    ] = None,
    rebuild: Annotated[
        bool, typer.Option(help="Drop the index and embed everything again.")
    ] = False,
    corpus: Corpus = None,
    verbose: Verbose = False,
) -> None:
    """Index the corpus folder: new and changed files are embedded, deleted ones removed."""
    _configure_logging(verbose)
    from qabot.terminal import render_report

    try:
        settings = _corpus_settings(corpus)
        console = _console()
        report = _ingest(_qa(settings), console, paths, rebuild)
        render_report(console, report)
    except Exception as exc:  # noqa: BLE001 - every failure gets one clear line
        _handle(exc)


def _handle(exc: BaseException) -> None:
    """One line on stderr and exit code 2; the traceback of an unexpected error with -v."""
    from qabot.embeddings import ModelNotFound
    from qabot.evaluate import FixtureError
    from qabot.fetch import FetchError
    from qabot.index import IndexMismatch, StoreUnavailable
    from qabot.ingest import CorpusError, IngestLocked
    from qabot.telegram_config import TelegramConfigError

    if isinstance(
        exc,
        (
            Exit,
            IndexMismatch,
            IngestLocked,
            CorpusError,
            FixtureError,
            FetchError,
            ModelNotFound,
            StoreUnavailable,
            TelegramConfigError,
        ),
    ):
        _fail(exc)
    if isinstance(exc, (typer.Exit, KeyboardInterrupt)):
        raise exc
    if logger.isEnabledFor(logging.INFO):
        logger.exception("unexpected error")
        _fail(exc)
    _fail(exc, " (run again with -v for the details)")


def _ready_qa(settings: Settings, console: Console) -> QA:
    """A QA whose index holds the corpus (ingested on first use)."""
    from rich.text import Text

    from qabot.terminal import render_report

    qa = _qa(settings)
    if qa.index.count() == 0:
        console.print(Text(f"First run: indexing {settings.corpus_dir} …"))
        render_report(console, _ingest(qa, console))
    return qa


@app.command()
def ask(
    words: Annotated[
        list[str], typer.Argument(help="The question (quotes optional).", metavar="QUESTION")
    ],
    corpus: Corpus = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")] = False,
    verbose: Verbose = False,
) -> None:
    """Answer one question and exit."""
    _configure_logging(verbose)
    question = " ".join(words)
    try:
        settings = _corpus_settings(corpus)
        console = _console(stderr=as_json)
        qa = _ready_qa(settings, console)
        if not question.strip():
            raise Exit("the question is empty")
        if verbose:
            qa.warm_up()
            logger.info("%s", _corpus_line(settings, qa))
        echo = None
        if settings.llm and not as_json:
            from qabot.repl import TokenEcho

            echo = TokenEcho(_console())
            echo.start()
        try:
            answer = qa.ask(question, on_token=echo)
        finally:
            streamed = echo.finish() if echo is not None else ""
        if as_json:
            sys.stdout.write(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2) + "\n")
        else:
            from qabot.terminal import render_answer

            render_answer(_console(), answer, streamed=streamed)
    except Exception as exc:  # noqa: BLE001
        _handle(exc)


@app.command()
def chat(corpus: Corpus = None, verbose: Verbose = False) -> None:
    """Talk with the corpus: a REPL with line editing, history, /sources, /save and /reset."""
    import threading

    _configure_logging(verbose)
    from qabot.repl import Repl

    try:
        settings = _corpus_settings(corpus)
    except Exception as exc:  # noqa: BLE001
        _handle(exc)
        return
    if not verbose:
        _log_to_file(settings.data_dir / "chat.log")
    console = _console()
    state: dict[str, object] = {}
    ready = threading.Event()

    def warm() -> None:
        # The prompt is shown at once; the model loads (and a first run indexes) meanwhile.
        try:
            qa = _qa(settings)
            report = qa.ensure_index()
            if report is not None:
                state["report"] = report
            qa.warm_up()
            state["qa"] = qa
        except Exception as exc:  # noqa: BLE001
            logger.debug("warm-up failed", exc_info=True)
            state["error"] = exc
        finally:
            ready.set()

    if sys.stdin.isatty():
        # Load the line editor before the warm-up thread starts importing torch and holding
        # the GIL, so that the prompt appears at once.
        import prompt_toolkit.shortcuts  # noqa: F401
    threading.Thread(target=warm, name="qabot-warm-up", daemon=True).start()

    def about() -> str:
        if "qa" not in state:
            return f"Corpus {settings.corpus_dir.resolve()} (the model and index are loading)."
        return _corpus_line(settings, state["qa"])  # type: ignore[arg-type]

    def answer(question: str, history: list[str], on_token=None):  # type: ignore[no-untyped-def]
        if not ready.is_set():
            # Ctrl-C here cancels the wait, not the loading, which goes on in its thread.
            waiting = "Loading the model and index (first question only; Ctrl-C cancels)…"
            if console.is_terminal:
                with console.status(waiting):
                    ready.wait()
            else:
                console.print(waiting)
                ready.wait()
        if "error" in state:
            raise state["error"]  # type: ignore[misc]
        report = state.pop("report", None)
        if report is not None:
            from rich.text import Text

            from qabot.terminal import render_report

            console.print(Text(f"First run: indexed {settings.corpus_dir}."))
            render_report(console, report)  # type: ignore[arg-type]
        if not state.get("announced"):
            state["announced"] = True
            console.print(about())
        qa: QA = state["qa"]  # type: ignore[assignment]
        return qa.ask(question, history, on_token=on_token)

    Repl(
        answer,
        console,
        history_file=settings.data_dir / "repl_history",
        max_turns=settings.history_turns,
        stream=bool(settings.llm),
        corpus=str(settings.corpus_dir.resolve()),
        about=about,
    ).run()


@app.command()
def telegram(corpus: Corpus = None, verbose: Verbose = False) -> None:
    """Serve qabot as a Telegram bot (TELEGRAM_BOT_TOKEN, QABOT_TELEGRAM_ALLOWED_USERS)."""
    _configure_logging(verbose)
    try:
        settings = _corpus_settings(corpus)
        from qabot.telegram_bot import run

        run(settings)
    except Exception as exc:  # noqa: BLE001
        _handle(exc)


@app.command("eval")
def eval_(
    fixtures: Annotated[
        Path, typer.Argument(help="Fixture set, JSON Lines.", exists=True, dir_okay=False)
    ],
    corpus: Corpus = None,
    k: Annotated[int, typer.Option(min=1, help="Cut-off for the @k metrics.")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Print metrics as JSON.")] = False,
    out: Annotated[Path | None, typer.Option(help="Write one JSON record per question.")] = None,
    retriever: Annotated[
        str, typer.Option(help="hybrid | dense | bm25 (for comparisons).")
    ] = "hybrid",
    calibrate: Annotated[
        bool, typer.Option(help="Also report the refusal threshold that fits this set best.")
    ] = False,
    verbose: Verbose = False,
) -> None:
    """Measure retrieval and answers against a fixture set (metrics: docs/DESIGN.md)."""
    _configure_logging(verbose)
    try:
        from rich.markup import escape

        from qabot.evaluate import load_fixtures, run_fixtures
        from qabot.qa import QA

        if retriever not in ("hybrid", "dense", "bm25"):
            raise Exit(f"--retriever must be hybrid, dense or bm25, not {retriever!r}")
        settings = _corpus_settings(corpus)
        items = load_fixtures(fixtures)
        console = _console(stderr=True)
        qa = QA(settings, mode=retriever)  # type: ignore[arg-type]
        report = _ingest(qa, console)
        if report.changed:
            console.print(
                f"indexed {escape(str(settings.corpus_dir))}: {len(report.added)} added, "
                f"{len(report.updated)} updated, {len(report.removed)} removed"
            )
        qa.warm_up()
        depth = max(k, settings.top_k)
        from rich.progress import Progress

        with Progress(console=console, transient=True) as bar:
            task = bar.add_task("questions", total=len(items))
            result = run_fixtures(
                lambda q, h, _k: qa.ask(q, h, depth), items, k, lambda: bar.advance(task)
            )
        metrics = result.metrics()
        if calibrate:
            threshold, accuracy = result.calibrate()
            metrics["calibrated_threshold"] = round(threshold, 4)
            metrics["calibrated_accuracy"] = round(accuracy, 4)
        if out is not None:
            result.write_records(out)
        if as_json:
            sys.stdout.write(json.dumps(metrics, indent=2) + "\n")
        else:
            from rich.table import Table

            table = Table(title=f"qabot eval — {escape(fixtures.name)} ({retriever})")
            table.add_column("metric")
            table.add_column("value", justify="right")
            for name, value in metrics.items():
                table.add_row(name, f"{value:.3f}" if isinstance(value, float) else str(value))
            _console().print(table)
    except Exception as exc:  # noqa: BLE001
        _handle(exc)


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
    """Every indexed article: file, title, date (where known), passages, twins (files with the
    same text), when it was indexed, and the URL it was added from."""
    if ctx.invoked_subcommand is not None:
        ctx.obj = corpus
        return
    _configure_logging(verbose)
    try:
        from rich.text import Text

        from qabot.catalog import catalog
        from qabot.domain import displayable
        from qabot.ingest import corpus_root

        settings = _corpus_settings(corpus)
        root = corpus_root(settings)
        entries = catalog(_qa(settings).index, root)
        if as_json:
            records = [e.to_dict() for e in entries]
            sys.stdout.write(json.dumps(records, ensure_ascii=False, indent=2) + "\n")
            return
        console = _console()
        if not entries:
            console.print(
                Text(f"Nothing from {root} is indexed yet: run `qabot ingest --corpus {root}`.")
            )
            return
        for e in entries:
            head = Text(displayable(e.source), style="green")
            head.append(" — ").append(displayable(e.title or "(no title)"), style="bold")
            if not e.in_folder:
                head.append(" (file deleted; gone after the next ingest)", style="yellow")
            facts = [
                f"{e.passages} passage{'s' * (e.passages != 1)}",
                f"dated {e.date}" if e.date else "date unknown",
                f"indexed {e.indexed_at.replace('T', ' ')[:16]} UTC" if e.indexed_at else "",
                f"twins: {', '.join(e.twins)}" if e.twins else "",
                f"from {e.url}" if e.url else "",
            ]
            console.print(head)
            console.print(Text("    " + displayable(" · ".join(f for f in facts if f)), "dim"))
        passages = sum(e.passages for e in entries)
        console.print(
            Text(
                f"{len(entries)} article{'s' * (len(entries) != 1)}, {passages} passages in "
                f"the index of {root}."
            )
        )
    except Exception as exc:  # noqa: BLE001
        _handle(exc)


@docs_app.command("remove")
def docs_remove(
    ctx: typer.Context,
    file: Annotated[str, typer.Argument(help="The file, as `qabot docs` names it, or a path.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    corpus: Corpus = None,
    verbose: Verbose = False,
) -> None:
    """Delete an article: its file from the corpus folder and its passages from the index.

    (Removing it from the index alone would not last: the next ingest would index the file
    again.) Asks first, unless --yes.
    """
    _configure_logging(verbose)
    try:
        from rich.text import Text

        from qabot.catalog import catalog, find, forget_source
        from qabot.ingest import corpus_root

        settings = _corpus_settings(corpus or ctx.obj)
        root = corpus_root(settings)
        qa = _qa(settings)
        entry = find(catalog(qa.index, root), root, file)
        if entry is None:
            raise Exit(f"{file} is not in the index of {root} (`qabot docs` lists what is)")
        path = root / entry.source
        console = _console()
        if path.is_file():
            if not yes:
                if not sys.stdin.isatty():
                    raise Exit(f"this deletes {path}; pass --yes to confirm")
                if not typer.confirm(
                    f"Delete {path} and its {entry.passages} passages from the index?"
                ):
                    raise typer.Exit(1)
            path.unlink()
        forget_source(root, entry.source)
        scope = path.parent
        while not scope.is_dir():
            scope = scope.parent
        report = _ingest(qa, console, [scope])
        if entry.source not in report.removed:
            raise Exit(f"{entry.source} was deleted but is still in the index; run qabot ingest")
        console.print(
            Text(
                f"Deleted {path} and its {entry.passages} passages from the index "
                f"({report.total_passages} passages left)."
            )
        )
    except Exception as exc:  # noqa: BLE001
        _handle(exc)


@app.command()
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
    _configure_logging(verbose)
    try:
        from rich.text import Text

        from qabot.ingest import corpus_root
        from qabot.terminal import render_report

        settings = _corpus_settings(corpus)
        root = corpus_root(settings)
        console = _console()
        added: list[Path] = []
        failures: list[str] = []
        for item in items:
            try:
                added.append(_add_one(root, item, settings.llm_timeout))
            except Exit as exc:
                failures.append(str(exc))
        if added:
            report = _ingest(_qa(settings), console, added)
            render_report(console, report)
            for path in added:
                console.print(Text(f"Added {path.relative_to(root).as_posix()}."))
        if failures:
            raise Exit("; ".join(failures))
    except Exception as exc:  # noqa: BLE001
        _handle(exc)


def _free_name(folder: Path, name: str) -> Path:
    """`folder/name`, or `folder/stem-2.ext`, ... when that is taken."""
    path = folder / name
    n = 2
    while path.exists() or path.is_symlink():
        path = folder / f"{Path(name).stem}-{n}{Path(name).suffix}"
        n += 1
    return path


def _add_one(root: Path, item: str, timeout: float) -> Path:
    """Put one file or fetched URL into the corpus folder; the path it now has there."""
    import shutil
    from datetime import UTC, datetime

    from qabot.catalog import record_source
    from qabot.fetch import FetchError, fetch, is_url
    from qabot.loaders import SUPPORTED_SUFFIXES

    if is_url(item):
        try:
            fetched = fetch(item, timeout=timeout)
        except FetchError as exc:
            raise Exit(str(exc)) from None
        dest = _free_name(root, fetched.file_name())
        dest.write_bytes(fetched.content)
        record_source(
            root,
            dest.name,
            url=fetched.url,
            date=fetched.date,
            added=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        return dest
    src = Path(item).expanduser()
    if not src.is_file():
        raise Exit(f"{item}: no such file (give a file or an http(s) URL)")
    if src.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise Exit(f"{item}: unsupported file type (qabot reads .txt, .md, .html, .htm, .pdf)")
    real = src.resolve()
    if real.is_relative_to(root.resolve()):
        return real  # already in the corpus folder: only index it
    dest = _free_name(root, src.name)
    shutil.copyfile(src, dest)
    return dest


@app.command()
def warm(verbose: Verbose = False) -> None:
    """Prepare the embedding model now (its ONNX export is made once per machine)."""
    _configure_logging(verbose)
    try:
        settings = _settings()
        from qabot.embeddings import get_embedder

        console = _console()
        with console.status("Preparing the embedding model…"):
            get_embedder(settings).warm_up()
        console.print(
            f"Embedding model ready ({settings.embedding_backend}; {settings.cache_dir})."
        )
    except Exception as exc:  # noqa: BLE001
        _handle(exc)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
