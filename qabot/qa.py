"""The pure core: `QA.ask(question, history) -> Answer`, with nothing of the front ends in it."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from qabot.citations import CitationVerifier
from qabot.conversation import condense
from qabot.domain import Answer, Passage
from qabot.embeddings import get_embedder
from qabot.extractive import ExtractiveAnswerer, idf_from_counts
from qabot.index import PassageIndex
from qabot.ingest import Ingestor, IngestProgress, IngestReport
from qabot.rerank import Reranker
from qabot.retrieve import Mode, Retrieval, Searcher
from qabot.sentence_scorer import SentenceScorer
from qabot.settings import Settings

if TYPE_CHECKING:
    from qabot.llm import LLMAnswerer

logger = logging.getLogger(__name__)


class Answerer(Protocol):
    def answer(self, question: str, query: str, retrieval: Retrieval) -> Answer: ...


class QA:
    """Question answering over one corpus: ingest, retrieve, answer, with heavy parts lazy."""

    def __init__(self, settings: Settings, mode: Mode = "hybrid") -> None:
        self.settings = settings
        self.embedder = get_embedder(settings)
        self.index = PassageIndex(settings, self.embedder)
        reranker = Reranker(self._scorer, settings.rerank_depth) if settings.rerank_depth else None
        self.searcher = Searcher(
            self.index, settings.candidates, settings.rrf_k, mode, settings.dense_weight, reranker
        )
        self.verifier = CitationVerifier(settings.corpus_dir)
        self._scorer_cache: SentenceScorer | None = None
        self._extractive: ExtractiveAnswerer | None = None
        self._articles: tuple[object, dict[str, str]] = (None, {})
        self._llm_answerer: LLMAnswerer | None = None
        self._warm = threading.Lock()

    # --- set-up -------------------------------------------------------------------------
    def ingest(
        self,
        paths: Sequence[Path] = (),
        rebuild: bool = False,
        progress: IngestProgress | None = None,
    ) -> IngestReport:
        report = Ingestor(self.settings, self.index).run(paths, rebuild, progress)
        self._scorer_cache = self._extractive = None  # corpus statistics changed
        return report

    def ensure_index(self, progress: IngestProgress | None = None) -> IngestReport | None:
        """Ingest the corpus if the index is empty (first run); otherwise do nothing."""
        if self.index.count() == 0:
            return self.ingest(progress=progress)
        return None

    def warm_up(self) -> None:
        """Load the model and the index now, so the first question is fast."""
        with self._warm:
            self.embedder.warm_up()
            self.index.refresh(force=self.index.passages == {})
            self._answerer()
            if (llm := self._llm()) is not None:
                llm.warm_up()

    def stats(self) -> tuple[int, int]:
        """(articles, passages) in the loaded index (after `warm_up` or a first question)."""
        passages = self.index.passages
        return len({p.source for p in passages.values()}), len(passages)

    # --- answering ------------------------------------------------------------------------
    def _scorer(self) -> SentenceScorer:
        """The sentence scorer with this corpus's idf (shared by reranking and answering)."""
        if self._scorer_cache is None:
            df, n = self.index.doc_freq()
            self._scorer_cache = SentenceScorer(idf_from_counts(df, n))
        return self._scorer_cache

    def _article_text(self, source: str) -> str:
        """The indexed text of one article, its passages in file order (for refusal checks)."""
        passages = self.index.passages
        if self._articles[0] is not passages:  # a new snapshot: group it again
            grouped: dict[str, list[Passage]] = {}
            for p in passages.values():
                grouped.setdefault(p.source, []).append(p)
            texts = {
                src: " ".join(p.text for p in sorted(ps, key=lambda p: p.start_char))
                for src, ps in grouped.items()
            }
            self._articles = (passages, texts)
        return self._articles[1].get(source, "")

    def _answerer(self) -> ExtractiveAnswerer:
        if self._extractive is None:
            self._extractive = ExtractiveAnswerer(
                self.verifier,
                self._scorer(),
                self.settings.refusal_threshold,
                self.settings.max_answer_sentences,
                self._article_text,
            )
        return self._extractive

    def _llm(self) -> LLMAnswerer | None:
        """The LLM answerer when `settings.llm` names a model; None in extractive mode."""
        if self.settings.llm and self._llm_answerer is None:
            from qabot.llm import LLMAnswerer

            self._llm_answerer = LLMAnswerer.from_settings(self.settings, self.verifier)
        return self._llm_answerer

    def retrieve(self, query: str, k: int | None = None) -> Retrieval:
        """The ranked passages for `query`, only those that can be cited: a passage whose
        file changed or is gone, or now lies outside the corpus folder, is never shown."""
        retrieval = self.searcher.search(query, k or self.settings.top_k)
        citable = tuple(p for p in retrieval.passages if self.verifier.holds(p))
        if dropped := len(retrieval.passages) - len(citable):
            logger.info("%d passages are no longer in their files; ingest again", dropped)
            retrieval = replace(retrieval, passages=citable)
        return retrieval

    def ask(
        self,
        question: str,
        history: Sequence[str] = (),
        k: int | None = None,
        on_token: Callable[[str], None] | None = None,
    ) -> Answer:
        """Answer `question`; `history` holds the earlier questions of this chat, oldest first.

        `on_token` receives text as a streaming answerer (an LLM) produces it; the returned
        Answer is always the final, checked one. The extractive answerer does not stream.
        """
        started = time.perf_counter()
        question = " ".join(question.split())
        if not question:
            raise ValueError("the question is empty")
        llm = self._llm()
        query = llm.condense(question, history) if llm else condense(question, list(history))
        retrieval = self.retrieve(query, k)
        if llm is not None:
            answer = llm.answer(question, query, retrieval, self._answerer(), on_token)
        else:
            answer = self._answerer().answer(question, query, retrieval)
        latency = (time.perf_counter() - started) * 1000
        return replace(answer, latency_ms=latency)

    def articles(self) -> list[tuple[str, str]]:
        """(source, title) of every article in the loaded index, by file name (what a front
        end names when it says what it knows)."""
        return sorted({(p.source, p.title) for p in self.index.passages.values()})
