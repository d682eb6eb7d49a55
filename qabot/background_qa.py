"""A QA that loads in a background thread, so that `qabot chat` shows its prompt at once: the
first question waits for the model and index (Ctrl-C cancels the wait), and a first run's
ingest report and the corpus's size are shown before the first answer."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, wait

from rich.console import Console
from rich.text import Text

from qabot.date_filter import DateRange
from qabot.domain import Answer
from qabot.ingest import IngestReport
from qabot.qa import QA
from qabot.settings import Settings
from qabot.terminal import corpus_line, render_report

logger = logging.getLogger(__name__)


class BackgroundQA:
    """`ask` and `about` for the REPL, over a QA loading in a daemon thread (leaving never
    waits for it)."""

    def __init__(self, settings: Settings, console: Console) -> None:
        self.settings = settings
        self.console = console
        self.loading: Future[tuple[QA, IngestReport | None]] = Future()
        self._announced = False
        threading.Thread(target=self._load, name="qabot-warm-up", daemon=True).start()

    def _load(self) -> None:
        try:
            qa = QA(self.settings)
            report = qa.ensure_index()
            qa.warm_up()
            self.loading.set_result((qa, report))
        except Exception as exc:  # noqa: BLE001 - raised again by every question
            logger.debug("warm-up failed", exc_info=True)
            self.loading.set_exception(exc)

    def about(self) -> str:
        """Which corpus answers, and its size once loaded (for /help)."""
        if not self.loading.done() or self.loading.exception() is not None:
            return f"Corpus {self.settings.corpus_dir.resolve()} (the model and index are loading)."
        return corpus_line(self.settings.corpus_dir, *self.loading.result()[0].stats())

    def ask(
        self,
        question: str,
        history: list[str],
        on_token: Callable[[str], None] | None = None,
        dates: DateRange | None = None,
    ) -> Answer:
        if not self.loading.done():
            # Ctrl-C here cancels the wait, not the loading, which goes on in its thread.
            waiting = "Loading the model and index (first question only; Ctrl-C cancels)…"
            if self.console.is_terminal:
                with self.console.status(waiting):
                    wait([self.loading])
            else:
                self.console.print(waiting)
                wait([self.loading])
        qa, report = self.loading.result()  # raises what the loading raised
        if not self._announced:
            self._announced = True
            if report is not None:
                self.console.print(Text(f"First run: indexed {self.settings.corpus_dir}."))
                render_report(self.console, report)
            self.console.print(self.about())
        return qa.ask(question, history, on_token=on_token, dates=dates)
