"""The pure core: `QA.ask(question, history) -> Answer`, with nothing of the front ends in it."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from qabot import metadata_answers
from qabot.answer_reader import AnswerReader
from qabot.answerer import Answerer, TokenFn
from qabot.bm25 import idf_from_counts
from qabot.citations import CitationVerifier
from qabot.conversation import leaned_on
from qabot.date_filter import DateRange
from qabot.domain import Answer
from qabot.embeddings import get_embedder
from qabot.extractive import ExtractiveAnswerer
from qabot.index import PassageIndex
from qabot.ingest import Ingestor, IngestProgress, IngestReport
from qabot.plain_question import plain
from qabot.rerank import Reranker
from qabot.retrieve import Mode, Retrieval, Searcher
from qabot.sentence_scorer import SentenceScorer
from qabot.settings import Settings
from qabot.spelling import Speller
from qabot.store import Store
from qabot.text import one_line
from qabot.truecase import Truecaser

logger = logging.getLogger(__name__)


class QA:
    """Question answering over one corpus: ingest, retrieve, answer, with heavy parts lazy."""

    def __init__(self, settings: Settings, mode: Mode = "hybrid") -> None:
        self.settings = settings
        self.embedder = get_embedder(settings)
        self.store = Store(settings, self.embedder.model_id, self.embedder.backend)
        self.index = PassageIndex(settings, self.store)
        reader = AnswerReader(settings.cache_dir) if settings.answer_reader else None
        reranker = (
            Reranker(self._scorer, settings.rerank_depth, reader=reader)
            if settings.rerank_depth
            else None
        )
        self.searcher = Searcher(
            self.index,
            self.embedder,
            settings.candidates,
            settings.rrf_k,
            mode,
            settings.dense_weight,
            reranker,
        )
        self.verifier = CitationVerifier(settings.corpus_dir)
        self._scorer_cache: SentenceScorer | None = None
        #: (query, k, dates, generation) -> the article found first for it, "" for none
        #: (`_story_of`)
        self._found_first: dict[tuple[object, ...], str] = {}
        #: how the corpus writes its words, and the passages it was read from (`_words`)
        self._corpus_words: tuple[object, Truecaser, Speller] | None = None
        self.extractive = ExtractiveAnswerer(
            self.verifier,
            self._scorer,
            settings.refusal_threshold,
            settings.max_answer_sentences,
            self.index.article_text,
            reader,
        )
        self._answerer: Answerer | None = None
        self._warm = threading.Lock()

    # --- set-up -------------------------------------------------------------------------
    def ingest(
        self,
        paths: Sequence[Path] = (),
        rebuild: bool = False,
        progress: IngestProgress | None = None,
    ) -> IngestReport:
        ingestor = Ingestor(self.settings, self.store, self.index, self.embedder, progress)
        report = ingestor.run(paths, rebuild)
        self._scorer_cache = None  # corpus statistics changed
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
            self._words()  # about a second for 2,225 articles: not on a first question
            self.answerer().warm_up()

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

    def answerer(self) -> Answerer:
        """The answerer the settings name, chosen once: the extractive one, or an LLM that
        falls back on it."""
        if self._answerer is None:
            if self.settings.llm:
                from qabot.llm import LLMAnswerer  # LangChain loads only for an LLM

                self._answerer = LLMAnswerer.from_settings(
                    self.settings, self.verifier, self.extractive
                )
            else:
                self._answerer = self.extractive
        return self._answerer

    def retrieve(
        self, query: str, k: int | None = None, dates: DateRange | None = None
    ) -> Retrieval:
        """The ranked passages for `query` (published within `dates`), only those that can be
        cited: a passage whose file changed or is gone, or now lies outside the corpus folder,
        is never shown."""
        keep = (lambda p: dates.admits(p.meta)) if dates else None
        retrieval = self.searcher.search(query, k or self.settings.top_k, keep)
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
        on_token: TokenFn | None = None,
        dates: DateRange | None = None,
    ) -> Answer:
        """Answer `question`; `history` holds the earlier questions of this chat, oldest first.

        `on_token` receives text as a streaming answerer (an LLM) produces it; the returned
        Answer is always the final, checked one. The extractive answerer does not stream.
        `dates` restricts the search to articles published then.
        """
        started = time.perf_counter()
        question = one_line(question)
        if not question:
            raise ValueError("the question is empty")
        answerer = self.answerer()
        words = self._words()  # the question and its history read by the same corpus
        cased, fixed = read_as(question, *words)
        history = [read_as(q, *words)[0] for q in history]
        with self.verifier.reading_once():
            query, retrieval = self.search(cased, history, k, dates)
            answer = metadata_answers.answer(
                cased, query, retrieval, self.verifier, self.index.article_text
            )
            if answer is None:
                answer = answerer.answer(cased, query, retrieval, on_token)
        latency = (time.perf_counter() - started) * 1000
        read = (
            "Read " + ", ".join(f"“{a}” as “{b}”" for a, b in fixed.items()) + "." if fixed else ""
        )
        searched = f"Searched {dates.describe()}." if dates else ""
        notice = " ".join(x for x in (read, searched, answer.notice) if x)
        return replace(answer, question=question, latency_ms=latency, notice=notice)  # as typed

    def _words(self) -> tuple[Truecaser, Speller]:
        """How the loaded corpus writes its words, read again when the index changed."""
        self.index.refresh()
        passages = self.index.passages
        if self._corpus_words is None or self._corpus_words[0] is not passages:
            truecaser = Truecaser(p.text for p in passages.values())
            self._corpus_words = (
                passages,
                truecaser,
                Speller(truecaser.counts, truecaser.names, truecaser.forms),
            )
        return self._corpus_words[1:]

    def search(
        self,
        question: str,
        history: Sequence[str] = (),
        k: int | None = None,
        dates: DateRange | None = None,
    ) -> tuple[str, Retrieval]:
        """What `ask` answers from: the query `question` is searched as (the answerer
        condenses it with `history`) and the passages found, a follow-up's story first. The
        training scripts label the same search."""
        query = self.answerer().condense(question, history)
        retrieval = self.retrieve(query, k, dates)
        self._remember_first(query, k, dates, retrieval)
        # A follow-up stays in the story the conversation is about: the article found first
        # for the earlier question it leans on comes first again, and the answerer prefers its
        # sentences ("How old is she?" after a question about one actress).
        if (earlier := leaned_on(question, list(history))) and (
            story := self._story_of(earlier[0], k, dates)
        ):
            retrieval = retrieval.staying_in(story)
        return query, retrieval

    def _story_of(self, question: str, k: int | None, dates: DateRange | None) -> str:
        """The article found first for `question` ("" for none). In a chat it was mostly asked
        just before, so it is remembered rather than searched again (a follow-up then costs
        one search). One lookup, not a test and a read: the Telegram bot answers chats in
        threads, and another may clear the memory between the two."""
        story = self._found_first.get(self._first_key(question, k, dates))
        if story is None:
            story = self._remember_first(question, k, dates, self.retrieve(question, k, dates))
        return story

    def _remember_first(
        self, query: str, k: int | None, dates: DateRange | None, retrieval: Retrieval
    ) -> str:
        """The source of the first passage `query` found, remembered for `_story_of`."""
        if len(self._found_first) >= 512:
            self._found_first.clear()
        first = retrieval.passages[0].source if retrieval.passages else ""
        self._found_first[self._first_key(query, k, dates)] = first
        return first

    def _first_key(self, query: str, k: int | None, dates: DateRange | None) -> tuple[object, ...]:
        """`_found_first`'s key: the search, and the index generation it was made on."""
        return (query, k, dates, self.index.generation)

    def articles(self) -> list[tuple[str, str]]:
        """(source, title) of every article in the loaded index, by file name (what a front
        end names when it says what it knows)."""
        return sorted({(p.source, p.title) for p in self.index.passages.values()})


def read_as(question: str, truecaser: Truecaser, speller: Speller) -> tuple[str, dict[str, str]]:
    """`question` as the models read it: without a request around it (`plain_question`),
    its slips put right (`spelling`), and with the capitals the corpus writes its words with
    when it was typed without any (`truecase`); and the words put right."""
    question, fixed = speller.correct(plain(question))
    return truecaser.restore(question), fixed
