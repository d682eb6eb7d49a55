"""qabot's hybrid search as a LangChain retriever, for use in other LangChain chains.

Kept apart from `qabot.retrieve` so that ingest and the REPL do not import LangChain.

    from qabot.langchain_retriever import HybridRetriever
    docs = HybridRetriever(searcher=QA(settings).searcher, k=5).invoke("who did Carter meet?")
"""

from __future__ import annotations

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from qabot.retrieve import Searcher


class HybridRetriever(BaseRetriever):
    """Passages as LangChain documents, with file, lines, offsets and fused score."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    searcher: Searcher
    k: int = 5

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        return [
            Document(
                page_content=p.text,
                id=p.id,
                metadata={
                    "source": p.source,
                    "title": p.title,
                    "start_line": p.start_line,
                    "end_line": p.end_line,
                    "start_char": p.start_char,
                    "end_char": p.end_char,
                    "score": p.score,
                },
            )
            for p in self.searcher.search(query, self.k).passages
        ]
