"""The answer shown while a model streams it: a sentence at a time, each once it is complete
and checked, so that a sentence the check would drop is never shown."""

from __future__ import annotations

import logging
import re

from qabot.answer_check import Evidence, bare, normalize_markers, split_claims, strip_thinking
from qabot.answerer import TokenFn
from qabot.support import on_question

logger = logging.getLogger(__name__)


class StreamGate:
    """Passes the answer on a sentence at a time, each once it is complete and checked: it
    cites a given passage that backs it, and the answer so far is about the question.

    So an unsupported sentence (an obeyed injected instruction, say) is never shown while the
    answer streams; the checked answer replaces what was shown in any case.
    """

    def __init__(
        self,
        on_token: TokenFn | None,
        evidence: Evidence,
        question: str,
    ) -> None:
        self.on_token = on_token
        self.evidence = evidence
        self.question = question
        self.parts: list[str] = []
        self.checked = 0  # claims judged so far
        self.gap = ""  # the break owed before the next shown claim
        self.on_topic = False

    def feed(self, piece: str) -> None:
        self.parts.append(piece)
        self._flush(final=False)

    def finish(self) -> None:
        self._flush(final=True)

    def _flush(self, final: bool) -> None:
        if self.on_token is None:
            return
        claims = split_claims(normalize_markers(strip_thinking("".join(self.parts))))
        if not final:
            # The last sentence is complete once the next one has begun (its markers may
            # still be on their way until then).
            if len(claims) < 2 or not re.search(r"[^\W\d]", bare(claims[-1][0])):
                return
            claims = claims[:-1]
        for claim, gap in claims[self.checked :]:
            self.checked += 1
            if self.evidence.backing(claim) is None:
                continue
            self.on_topic = self.on_topic or on_question(bare(claim), self.question)
            if self.on_topic:
                self._emit(self.gap + claim)
                self.gap = gap

    def _emit(self, text: str) -> None:
        try:
            assert self.on_token is not None
            self.on_token(text)
        except Exception:  # a front end's display failure must not lose the answer
            logger.warning("on_token callback failed; streaming stops", exc_info=True)
            self.on_token = None
