"""Sentence-aware passages that fit the embedding model's window, with exact offsets."""

from __future__ import annotations

import hashlib
import math
import re
from typing import TYPE_CHECKING

from qabot.domain import Document, Passage
from qabot.text import split_sentences

if TYPE_CHECKING:
    from tokenizers import Tokenizer


def passage_id(source: str, start: int, end: int, text: str) -> str:
    """Content-derived id: the same text at the same place of the same file keeps its id."""
    digest = hashlib.sha256(f"{source}\0{start}\0{end}\0{text}".encode()).hexdigest()
    return digest[:32]


class Chunker:
    """Packs sentences into passages of at most `max_tokens` word pieces.

    Passages never cross a span of the cleaned document (so chrome never lands inside one),
    prefer to break at paragraph ends, and are balanced in size. A sentence longer than the
    budget is cut at word boundaries; nothing is dropped or truncated.
    """

    #: Sentences further apart than this (a run of blank lines) never share a passage.
    MAX_GAP = 80

    def __init__(self, tokenizer: Tokenizer, max_tokens: int = 200) -> None:
        self.tokenizer = tokenizer
        self.max_tokens = max_tokens

    def count(self, texts: list[str]) -> list[int]:
        if not texts:
            return []
        return [len(e.ids) for e in self.tokenizer.encode_batch(texts, add_special_tokens=False)]

    def chunk(self, doc: Document) -> list[Passage]:
        passages: list[Passage] = []
        for span_start, span_end in doc.spans:
            units = self._units(doc.text, span_start, span_end)
            for start, end in self._pack(doc.text, units):
                text = doc.text[start:end]
                passages.append(
                    Passage(
                        id=passage_id(doc.source, start, end, text),
                        source=doc.source,
                        title=doc.title,
                        text=text,
                        start_char=start,
                        end_char=end,
                        start_line=doc.line_of(start),
                        end_line=doc.line_of(end - 1),
                        meta=doc.meta,
                    )
                )
        return passages

    def _units(self, text: str, start: int, end: int) -> list[tuple[int, int, int]]:
        """(start, end, tokens) of each sentence, long sentences cut into word windows."""
        sentences = split_sentences(text, start, end)
        counts = self.count([text[s:e] for s, e in sentences])
        units: list[tuple[int, int, int]] = []
        for (s, e), n in zip(sentences, counts, strict=True):
            if n <= self.max_tokens:
                units.append((s, e, n))
            else:
                units.extend(self._split_long(text, s, e))
        return units

    def _split_long(self, text: str, start: int, end: int) -> list[tuple[int, int, int]]:
        budget = self.max_tokens - 8  # joins between words can add a piece or two
        words: list[tuple[int, int]] = []
        for m in re.finditer(r"\S+", text[start:end]):
            # a "word" longer than the budget in characters is cut (a piece is >= 1 character)
            for lo in range(m.start(), m.end(), budget):
                words.append((start + lo, start + min(lo + budget, m.end())))
        counts = self.count([text[s:e] for s, e in words])
        out: list[tuple[int, int, int]] = []
        i = 0
        while i < len(words):
            j, total = i, 0
            while j < len(words) and (j == i or total + counts[j] <= budget):
                total += counts[j]
                j += 1
            s, e = words[i][0], words[j - 1][1]
            out.append((s, e, self.count([text[s:e]])[0]))
            i = j
        return out

    def _pack(self, text: str, units: list[tuple[int, int, int]]) -> list[tuple[int, int]]:
        if not units:
            return []
        total = sum(n for _, _, n in units)
        pieces = max(1, math.ceil(total / self.max_tokens))
        target = math.ceil(total / pieces)
        out: list[tuple[int, int]] = []
        cur_start, cur_end, cur_tokens = units[0][0], units[0][1], units[0][2]
        for s, e, n in units[1:]:
            joined = cur_tokens + n
            gap = text[cur_end:s]
            para_break = "\n" in gap and cur_tokens >= target // 2
            if (
                joined > self.max_tokens
                or cur_tokens >= target
                or (para_break and joined > target)
                or len(gap) > self.MAX_GAP
            ):
                out.append((cur_start, cur_end))
                cur_start, cur_end, cur_tokens = s, e, n
            else:
                cur_end, cur_tokens = e, joined
        out.append((cur_start, cur_end))
        return self._fit(text, out)

    def _fit(self, text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """Guarantee the bound on the exact passage text (joins may tokenise differently)."""
        counts = self.count([text[s:e] for s, e in spans])
        fitted: list[tuple[int, int]] = []
        for (s, e), n in zip(spans, counts, strict=True):
            if n <= self.max_tokens:
                fitted.append((s, e))
            else:
                fitted.extend((a, b) for a, b, _ in self._split_long(text, s, e))
        return fitted
