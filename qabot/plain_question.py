"""The question as qabot's models read it, whatever a chat user wraps it in.

The reader, the sentence scorer and the answer-type rules learnt from, and were written for,
questions as a quiz writes them: "Who did Carter talk to?". In a chat people type "can you
tell me who Carter talked to", "I'd like to know the name of…", or leave off the question
mark. On the BBC dev set each of these cost 2 to 7 points of answer_hit. `plain` takes off the
request around the question and ends it with a question mark; the answer keeps the question
as typed.
"""

from __future__ import annotations

import re

#: a greeting or filler in front ("ok, so…", "hi,")
_FILLER = r"(?:(?:hi|hello|hey|ok|okay|so|well|right)\b[\s,!.]*)*"

#: a request around a question: "can you tell me", "do you know", "I'd like to know"…
_REQUEST = re.compile(
    _FILLER + r"(?:please\s+)?(?:"
    r"(?:can|could|would|will)\s+(?:you|u)\s+(?:please\s+)?(?:tell|show|let)\s+me(?:\s+know)?"
    r"|(?:do|does)\s+(?:you|anyone|anybody)\s+(?:know|remember)"
    r"|i(?:'d|’d|\s+would)\s+(?:like|love)\s+to\s+know"
    r"|i\s+(?:want|need|wish)\s+to\s+know"
    r"|i(?:'m|’m|\s+am)\s+(?:wondering|curious(?:\s+about)?)"
    r"|i\s+wonder(?:ed)?"
    r"|(?:please\s+)?tell\s+me"
    r"|any\s+idea"
    r")[\s,:]+(?:please\s+)?",
    re.IGNORECASE,
)

#: what may follow the request: a question word ("roughly how many", "in what year"), or a
#: thing asked for ("the name of…")
_QUESTION_WORD = re.compile(
    r"(?:(?:roughly|exactly|about|around|in|at|on|since|by|for|from|to|with|of)\s+)?"
    r"(?:who|whom|whose|what|when|where|which|why|how)\b",
    re.IGNORECASE,
)
_THING = re.compile(r"(?:the|his|her|its|their)\s", re.IGNORECASE)

#: "whats", "whos" typed without the apostrophe
_NO_APOSTROPHE = re.compile(r"\b(what|who|where|when|how)s\b", re.IGNORECASE)

#: thanks or "please" after the question, and the marks that end it
_TAIL = re.compile(r"(?:[\s,?!.]+(?:please|thanks|thank you|thx))*[\s?!.]*$", re.IGNORECASE)


def plain(question: str) -> str:
    """`question` without a request around it, ending in a question mark.

    "can you tell me who Carter talked to" -> "Who Carter talked to?"; "I'd like to know the
    name of his ship" -> "What is the name of his ship?". A request before anything else
    ("tell me about Ireland") is left as typed, as is a question already plain."""
    text = _NO_APOSTROPHE.sub(r"\1's", question.strip())
    if m := _REQUEST.match(text):
        rest = text[m.end() :]
        if _QUESTION_WORD.match(rest):
            text = rest[0].upper() + rest[1:]
        elif _THING.match(rest):
            text = "What is " + rest
    body = _TAIL.sub("", text)
    return body + "?" if body else question
