"""Whether the corpus answers a question: evidence, not topic.

Retrieval always finds *something* on the corpus's own subjects, so closeness alone cannot tell
"about the same story" from "answers the question". A question is answered from the best of the
top sentences whose article mentions every year, number and name the question is about (a
question about 2007 is not answered by a 2004 story), and only when (1) a top sentence holds a
span of the asked kind when the question asks for a number (a sum for "how much did it cost", a
date for "when"; for "how much", one of the sentences the answer quotes: `sum_unstated`), or
says where someone was born or studied when that is asked (news seldom does), or states a
verdict or decision, who took over a post, or who won, when that is asked (news often reports
only the start of a trial, the leaving, or a preview of the final), and (2) the probability that
the question is answerable at all is at least the threshold. That probability is a logistic
regression (`answerability.json`, fitted on the BBC training questions and SQuAD dev-a's
unanswerable variant by `benchmarks/train_answerability.py`) over the sentence's own probability
of holding the answer and what marks a near-topic question the story does not answer: question
words its article never uses, a year it only assumes, questions about a successor or an outcome,
which news often reports only the start of, and a sentence without the kind of number asked for
(it may hold the other story's figure). The extractive answerer applies it, and the LLM is asked
only when it says answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from string import ascii_lowercase

import numpy as np

from qabot.answer_types import NUMERIC_TYPES, SCORE, typed_spans
from qabot.domain import REFUSAL_TEXT, Passage
from qabot.sentence_scorer import Sentence, load_weights, log_odds, sigmoid
from qabot.text import one_line, terms, unaccented

WEIGHTS_FILE = Path(__file__).with_name("answerability.json")

FEATURES = (
    "evidence",  # log-odds that the sentence answered from holds the answer
    "unmatched",  # share of the question's words that its article never uses
    "year_assumed",  # a year of the question the article does not write (taken as its own)
    "succession",  # the question asks who came next ("Who succeeded X?")
    "outcome",  # the question asks how something ended ("finally", "the outcome of")
    "lacks_number",  # the question asks for a number (not a date) the sentence does not hold
)

_YEAR_OR_NUMBER = re.compile(
    r"(?<![\w£$€.,/])(?:(?:19|20)\d\d[-–](?:\d\d){1,2}(?!\d)|\d[\d,./]*\d|\d)(?![\w/])"
)
_SCORE_OR_BOUND = re.compile(
    rf"{SCORE.pattern}|\b(?:before|prior to) (?:19|20)\d\d\b",
    re.IGNORECASE,
)
_DEMONYM = re.compile(r"^[A-Z][a-z]+(?:ans?|ese|ish|i)$")  # not "Paris": "-is" ends names too
_YEAR = re.compile(r"^(?:19|20)\d\d$")
_ANY_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_ASKED_YEAR = re.compile(r"(?<!since )(?<!after )(?<!before )\b(?:19|20)\d\d\b(?!'?s\b)")
_COMPARED_YEAR = re.compile(
    r"\b(?:than|compared (?:with|to)|from|since|against|previous)\b[^.;]{0,30}?\b((?:19|20)\d\d)\b"
)
_HOW_MUCH = re.compile(r"\bhow much\b", re.IGNORECASE)
#: a "how much" that a share answers, even of a price: a comparison ("how much more…",
#: "…250% more") or a part ("how much of Poland's income…", "…12%")
_SHARE_ASKED = re.compile(
    r"\bhow much (?:more|less|higher|lower|cheaper|dearer|bigger|smaller|extra|of)\b",
    re.IGNORECASE,
)
#: ...and one that no share answers otherwise: the price paid
_PRICE_ASKED = re.compile(r"\b(?:pay|pays|paid|cost|costs|charge|charges|charged|price)\b", re.I)
_YEAR_IN_WORDS = re.compile(r"\b(?:this|last|next) year\b", re.IGNORECASE)
_SEASON = re.compile(r"^((?:19|20)\d\d)[-/–](\d{1,2}|(?:19|20)\d\d)$")
# a name's word starts with a capital, or with one or two small letters before it ("eBay",
# "iTunes"); a capital inside a word ("8Mb") starts none
_NAME_WORD = r"(?<![\w'’])(?:[a-z]{1,2}(?=[A-Z]))?[A-Z][\w'’.-]*"
_NAME_LINK = ("of", "the", "de")  # small words inside a name: "Bank of England"
_CAPITALISED = re.compile(rf"{_NAME_WORD}(?:\s+(?:(?:{'|'.join(_NAME_LINK)})\s+)?{_NAME_WORD})*")
#: names news writes in other words: "America" as "US", "Tory" as "Conservative" (a name of
#: three words or more is also met by its initials)
_ALSO_WRITTEN = {
    "america": ("US", "USA", "United States"),
    "united states": ("US", "USA", "America"),
    "united kingdom": ("UK", "Britain"),
    "united nations": ("UN",),
    "european union": ("EU",),
    "tory": ("Conservative",),
    "tories": ("Conservative",),
    "conservative": ("Tory", "Tories"),
    "conservatives": ("Tory", "Tories"),
}
_WORD = re.compile(r"[A-Za-z][\w'-]*")
_SUCCESSION = re.compile(
    r"^(?:who|which \w+) (?:succeeded|replaced|took over from)\b|\b(?:successor|replacement)\b",
    re.IGNORECASE,
)
_OUTCOME = re.compile(
    r"\b(?:finally|eventually|ultimately|in the end|ended up|outcome|went on to|turned out"
    r"|final (?:score|result|verdict|tally|total))\b",
    re.IGNORECASE,
)
TOLD_AGE = 0.9  # the evidence, at least, of an age given beside the name asked about
_NAME_BEFORE_AGE = re.compile(r"([A-Z][\w'’-]*)(?:,\s*(?:aged\s+)?| \()$")
_NAME_AFTER_AGE = re.compile(r"[\s-]years?[\s-]old\s+(?:[a-z]+\s+){0,3}([A-Z][\w'’-]*)")
_TITLES = frozenset(terms("Mr Mrs Ms Miss Dr Sir Dame Lord Lady Prof"))  # as `terms` gives them
_MISTYPED_LENGTH = 6  # the shortest word of a name that may be met one letter apart
CONSIDERED = 5  # the top sentences (those the answer reader rescored) that may be answered from
_QUESTION_WORDS = frozenset(
    """
    what when where who whom whose which why how is are was were do does did can could will
    would should has have had in on at for of the a an and or but if after before during by
    to from with i
    """.split()  # noqa: SIM905 - a word list reads better as prose
)


@dataclass(frozen=True)
class Verdict:
    answerable: bool
    evidence: float
    missing: str = ""  # what the closest article does not mention, for the refusal text
    closest: Passage | None = None
    sentence: Sentence | None = None  # the sentence to answer from, when answerable
    features: np.ndarray | None = None  # `FEATURES` of the sentence weighed, when one was
    instead: str = ""  # what the closest sentence gives in place of `missing` ("2004")


#: what a chat question may start with before its question word: "and", "so", "ok, so"
_LEADING_WORDS = re.compile(r"^(?:(?:and|but|so|then|ok|okay|well|right)\b[\s,!.]*)+", re.I)


@dataclass(frozen=True)
class Relation:
    """A fact that a question asks for and a sentence must state in words: where someone was
    born or studied, a verdict, a decision, who took over a post, who won."""

    words: str  # how a refusal names it: "...which does not mention where they were born."
    question: re.Pattern[str]
    sentence: re.Pattern[str]
    #: the asked kinds it applies to ("when was X born" is a date); None: any
    kinds: frozenset[str] | None

    @staticmethod
    def asked(question: str, kind: str) -> Relation | None:
        """The relation `question` asks for, if any ("and was he found guilty?" asks one)."""
        question = _LEADING_WORDS.sub("", question.strip())
        return next(
            (
                r
                for r in _RELATIONS
                if (r.kinds is None or kind in r.kinds) and r.question.search(question)
            ),
            None,
        )

    def states(self, sentence: str) -> bool:
        return self.sentence.search(sentence) is not None


_RELATIONS = (
    Relation(
        "where they were born",
        re.compile(r"(?<!-)\bborn\b|\bbirthplace\b", re.IGNORECASE),
        re.compile(r"(?<!-)\bborn\b|\bnative of\b|\bbirthplace\b|\bgrew up\b", re.IGNORECASE),
        frozenset({"place"}),
    ),
    Relation(
        "where they studied",
        re.compile(
            r"\b(?:which|what) (?:school|university|college)\b[^?]*\b(?:attend|go to|went to"
            r"|stud(?:y|ied)|educated|graduate)|\bwhere did [^?]*\b(?:study|go to school)\b"
            r"|\bwhere (?:was|were) [^?]*\beducated\b",
            re.IGNORECASE,
        ),
        re.compile(
            r"\b(?:school|university|college|educated|graduat\w*|studied|alumn\w*)\b", re.IGNORECASE
        ),
        frozenset({"place", "org", "other"}),
    ),
    # Who took a post after someone left it is asked of stories that report only the leaving,
    # or who hopes to follow ("…has admitted he would love to succeed Andy Farrell").
    Relation(
        "who took over",
        re.compile(
            r"^(?:who|which \w+) (?:succeeded|replaced|took over from)\b"
            r"|^who\b[^?]*\b(?:became|was appointed|was chosen|was selected|was picked"
            r"|was named|took charge|took over|did [^?]* (?:select|choose|appoint|pick))\b"
            r"[^?]*\b(?:after|when|to (?:succeed|replace))\b"
            r"|^who (?:is|was|will be) [^?]*\b(?:successor|replacement)\b",
            re.IGNORECASE,
        ),
        re.compile(
            r"\b(?:appointed|appointing|appointment|named|replaced|replaces|replacing|succeeded"
            r"|succeeds|took over|taken over|takes over|taking over|chosen|selected|picked|new"
            r"|unveiled|installed|elected|became|becomes|hired|promoted|took charge"
            r"|taken charge|successor|replacement|confirmed|delegated|handed"
            r"|(?:took|taking|takes|take) (?:his|her|their) place"
            r"|replace [^.;]{1,60}? with)\b",  # "…to replace chief executive Tim Koogle with…"
            re.IGNORECASE,
        ),
        None,
    ),
    # A trial, an appeal or a ruling that the corpus reports only the start of is what a
    # near-topic question most often asks the end of ("What verdict did the jury reach…",
    # "Was Emilio Botin found guilty…"); a sentence that says the trial has begun, or will,
    # answers it however close, as does one that only says "approved" of the crime.
    Relation(
        "a verdict",
        re.compile(
            r"^(?:what (?:verdict|judge?ment)\b"
            r"|(?:was|were|is|are|did|has|have) [^?]{1,60}\b"
            r"(?:found guilty|convicted|acquitted|cleared|jailed|sentenced)\b"
            r"|what (?:was|is) the (?:outcome|verdict) of [^?]*\b(?:trial|case|appeal|lawsuit"
            r"|hearing|action)\b"
            r"|what (?:punishment|sentences?) (?:did|was|were|has|have)\b)",
            re.IGNORECASE,
        ),
        re.compile(
            r"\b(?:guilty|convicted|acquitted|cleared|jailed|sentenced|fined|banned|suspended"
            r"|spared|walked free|upheld|overturned|dismissed|quashed|thrown out|threw out"
            r"|ruled|settled|ordered|awarded|won|lost)\b",
            re.IGNORECASE,
        ),
        None,
    ),
    # ...and so is the end of a ruling, a vote or an inquiry ("What did Ofcom finally
    # decide…", "How did the court rule…").
    Relation(
        "a decision",
        re.compile(
            r"^(?:what ruling\b"
            r"|how did [^?]{1,60}\brule\b"
            r"|what did [^?]{0,60}\b(?:court|judge|jury|tribunal|panel|committee|commission"
            r"|regulator|watchdog|board|council|arbitration|ofcom|lords|peers|mps|parliament"
            r"|inquiry|hearing)\b[^?]{0,30}\b(?:rule|decide|conclude)\b"
            r"|what (?:was|is) the outcome of [^?]*\b(?:challenge|inquiry|vote|ballot)\b)",
            re.IGNORECASE,
        ),
        re.compile(
            r"\b(?:ruled|rejected|upheld|overturned|dismissed|quashed|decided|agreed|approved"
            r"|voted|backed|awarded|ordered|granted|refused|blocked|struck down|concluded"
            r"|found|cleared|banned|thrown out|threw out)\b",
            re.IGNORECASE,
        ),
        None,
    ),
    # Who won a final, an award or a vote is asked of stories that only preview it ("Andy
    # Roddick will play Cyril Saulnier in the final", "It will be one of 21 films competing
    # for the Golden Bear"): only a sentence that says someone won, beat, took or was named or
    # awarded something does ("I was feeling horrible earlier in the week" does not).
    Relation(
        "who won",
        re.compile(r"^(?:who|which [\w'’ -]{1,40}?) won\b", re.IGNORECASE),
        re.compile(
            r"\b(?:won|wins?|winning|winners?|beat|beating|victory|victor|champions?|title|took"
            r"|claimed|clinched|retained|defeated|triumph\w*|crowned|topped|scooped|went to"
            r"|named|voted|awarded|picked up|collected|received|honoured|first place|gold)\b",
            re.IGNORECASE,
        ),
        None,
    ),
)


def constraints(question: str) -> list[str]:
    """The years, numbers and names a question is about, as written in it. A score ("Arsenal's
    1-0 win") is not one: a match report may not write it in figures. Nor is a year the answer
    must come before ("last won before 2005"): the story may be of that year or earlier."""
    found = [
        m.group(0).rstrip(".,")
        for m in _YEAR_OR_NUMBER.finditer(_SCORE_OR_BOUND.sub(" ", question))
    ]
    for m in _CAPITALISED.finditer(question):
        words = m.group(0).split()
        if m.start() == 0:  # capitalised because it starts the question
            words = words[1:] if len(words) == 1 else words
            while words and words[0].lower() in _QUESTION_WORDS:
                words = words[1:]
        name = " ".join(words).rstrip(".,").removesuffix("'s").removesuffix("’s")
        if name and terms(name):
            found.append(name)
    return found


def judge(
    question: str,
    ranked: list[Sentence],
    passages: tuple[Passage, ...],
    kind: str,
    threshold: float,
    article_text: Callable[[Passage], str] | None = None,
    weights: tuple[np.ndarray, float] | None = None,
    query: str = "",
) -> Verdict:
    """The verdict on answering `question` from the best of `ranked` whose article meets it.

    The first of the top `CONSIDERED` sentences whose article mentions every year, number and
    name of the question is the one to answer from (`Verdict.sentence`): the best-scored
    sentence of a story about another year or another film gives way to the next one of the
    story asked about; for an age, the first of them that gives one, and for where someone was
    born or studied, a verdict, who took over or who won, the first that says so (`Relation`).
    `article_text(passage)` gives the whole indexed text of the passage's article; without it,
    the retrieved passages of the article stand for it. `query` is what was searched: a
    follow-up's words are mostly in the earlier questions it leans on. The evidence is the
    probability that the question is answerable (`FEATURES`, weighed by `weights`, by default
    `answerability.json`); when no article meets the question, it is 0, so that a threshold
    calibrated on `evidence` alone (`qabot eval --calibrate`) still refuses it.
    """
    if not ranked:
        return Verdict(False, 0.0)
    needs = constraints(question)
    relation = Relation.asked(question, kind)
    articles: dict[str, _Article] = {}  # passage id -> its article, read once a passage
    lacks: dict[str, str] = {}  # passage id -> what its article does not mention
    best = None
    for s in ranked[:CONSIDERED]:
        if s.passage.id not in articles:
            articles[s.passage.id] = _Article.of(s.passage, passages, article_text)
            lacks[s.passage.id] = articles[s.passage.id].unmet(needs)
        if not lacks[s.passage.id]:
            best = best or s
            # An age is asked for rarely and written in few ways, so a sentence that holds
            # one beats a better-scored one that does not ("Jackson, a former minister");
            # so does one that states a `Relation` asked (where someone was born…).
            if (kind != "age" or s.answers) and (relation is None or relation.states(s.text)):
                best = s
                break
    if kind == "age" and best is not None and best.answers and not _gives_age_of(best, needs):
        # "Mr Makarov joined the KGB… as an idealistic 20 year-old" gives an age, not his now:
        # a sentence of the same story that writes one beside his name does ("Makarov, 50,")
        first = best
        best = next(
            (
                s
                for s in ranked[:CONSIDERED]
                if s.passage.source == first.passage.source and _gives_age_of(s, needs)
            ),
            first,
        )
        # (its passage may be one the loop did not reach: the article is the same)
        articles.setdefault(best.passage.id, articles[first.passage.id])
    # A refusal names the closest article and what it lacks, even when a lower sentence of
    # another article met the question but is not good enough.
    missing = lacks[ranked[0].passage.id]
    if best is None:
        return Verdict(False, 0.0, missing, ranked[0].passage)
    closest = ranked[0].passage if missing else best.passage
    # Numbers, sums and dates are found reliably; names less so (initials, odd spellings),
    # so only a missing number refuses on its own.
    if kind in NUMERIC_TYPES and not any(_holds(s, kind) for s in [best, *ranked[:3]]):
        return Verdict(False, 0.0, missing or _kind_words(kind), closest)
    # News seldom says where someone was born or went to school: a sentence that does not
    # say it does not answer it, however close ("Paver, who lives in London").
    if relation is not None and not relation.states(best.text):
        return Verdict(False, 0.0, missing or relation.words, closest)
    # A figure "for 2004" does not answer "...in 2005?", nor does the winner of the 2003 prize
    # answer who won it in 2004, however close the sentence: a later year of what the corpus
    # reports is what a near-topic question most often asks. (A year in a question asking
    # when is where it counts from: "When was inequality lower than in 1986?")
    if kind != "date" and (years := _other_years(best.text, question)):
        asked, given = years
        return Verdict(False, 0.0, asked, best.passage, instead=given)
    article = articles[best.passage.id]
    x = features(question, query or question, best, article, needs, kind)
    w, b = weights if weights is not None else load_weights(WEIGHTS_FILE, FEATURES)
    p = sigmoid(float(x @ w + b))
    if kind == "age" and _gives_age_of(best, needs):
        # the age of someone the question names, written beside the name ("Mr Jacobsen,
        # 21,"), answers it however the models score the sentence (they seldom saw an age)
        p = max(p, TOLD_AGE)
    if p < threshold:  # a year only assumed is what the article may lack
        missing = missing or article.assumed(needs)
        return Verdict(False, p, missing, closest, features=x)
    return Verdict(True, p, "", best.passage, best, x)


def features(
    question: str, query: str, best: Sentence, article: _Article, needs: list[str], kind: str
) -> np.ndarray:
    """`FEATURES` of answering `question` from `best`, a sentence of `article`; `query` is the
    question with the earlier ones it leans on, `needs` its `constraints`, `kind` the kind of
    answer it asks for. (A date is left out of `lacks_number`: a bare year is often not typed
    as one.)"""
    words = [t for w in _WORD.findall(query) if w.lower() not in _QUESTION_WORDS for t in terms(w)]
    unmatched = sum(not article.uses(t) for t in words) / len(words) if words else 0.0
    return np.array(
        [
            log_odds(best.score),
            unmatched,
            float(bool(article.assumed(needs))),
            float(bool(_SUCCESSION.search(question))),
            float(bool(_OUTCOME.search(question))),
            float(kind in NUMERIC_TYPES and kind != "date" and not _holds(best, kind)),
        ]
    )


@dataclass(frozen=True)
class _Article:
    """What the answerability check reads of a passage's article."""

    text: str  # title and text, whitespace collapsed
    terms: frozenset[str]
    prefixes: frozenset[str]  # first four letters of its longer terms: "elect" meets "election"

    @classmethod
    def of(
        cls,
        passage: Passage,
        passages: tuple[Passage, ...],
        article_text: Callable[[Passage], str] | None,
    ) -> _Article:
        whole = article_text(passage) if article_text else ""
        if not whole:  # what retrieval brought of the article stands for it
            whole = " ".join(
                p.text
                for p in passages
                if p.source == passage.source or passage.source in p.also_in
            )
        article = unaccented(f"{passage.title} {whole}")  # met by "Celeron" and "Céloron"
        found = frozenset(terms(article))
        return cls(one_line(article), found, frozenset(t[:4] for t in found if len(t) >= 4))

    def uses(self, term: str) -> bool:
        term = unaccented(term)
        return term in self.terms or term[:4] in self.prefixes

    def writes(self, number: str) -> bool:
        return re.search(rf"(?<![\d]){_written(number)}(?![\d])", self.text) is not None

    def calls(self, name: str) -> bool:
        """Whether the article writes `name` otherwise: as news often does (`_ALSO_WRITTEN`),
        or by its initials when it has three words or more ("Child Support Agency" as "CSA";
        two initials, "DS", are too often another name's)."""
        name = unaccented(name)
        words = [w for w in name.split() if w not in _NAME_LINK]
        others = _ALSO_WRITTEN.get(name.lower(), ())
        if len(words) > 2:
            others = (*others, "".join(w[0] for w in words).upper())
        return any(re.search(rf"(?<!\w){re.escape(o)}(?!\w)", self.text) for o in others)

    def spells(self, name: str) -> bool:
        """Whether the article writes a word of `name` one letter apart, as a question may
        mistype a name ("Brainbridge" for "Bainbridge"): only a long word, with its first
        letter right."""
        return any(
            _one_edit(word, t)
            for word in terms(unaccented(name))
            if len(word) >= _MISTYPED_LENGTH
            for t in self.terms
            if t[0] == word[0]
        )

    def assumed(self, needs: list[str]) -> str:
        """The first year of `needs` that the article does not write (`unmet` may let it pass)."""
        return next((c for c in needs if _YEAR.match(c) and not self.writes(c)), "")

    def unmet(self, needs: list[str]) -> str:
        """The first of `needs` (`constraints`) that the article does not mention."""
        for c in needs:
            if c[0].isdigit():
                if self.writes(c):
                    continue
                # A story may be about the year asked without writing it: when it names no
                # year, or when the year asked is the one after the latest it names (a story
                # of early 2005 speaks of "last year's" 2004). One that names other years is
                # not. (`features` marks the year as assumed: a later year is what a
                # near-topic question often asks, so it takes stronger evidence.)
                if _YEAR.match(c):
                    years = [int(y) for y in _ANY_YEAR.findall(self.text)]
                    if not years or int(c) == max(years) + 1:
                        continue
                return c
            acronym = c.lstrip(ascii_lowercase).removesuffix("s")
            if (acronym.isupper() and len(c) <= 4) or _DEMONYM.match(c):
                continue  # spelt otherwise: "UN" / "United Nations", "American" / "US", "TDs"
                # / "touchdowns" (and an acronym of small and capital letters, "vBNS", is
                # often mistyped)
            # "Mr Murphy" is not met by any "Mr": a title alone names nobody
            named = terms(c)
            words = [t for t in named if t not in _TITLES] or named
            if not any(self.uses(t) for t in words) and not self.calls(c) and not self.spells(c):
                return c
        return ""


def _one_edit(a: str, b: str) -> bool:
    """Whether `a` and `b` differ by one letter replaced, added or dropped."""
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), len(a))
    return a[i + 1 :] == b[i + 1 :] if len(a) == len(b) else a[i:] == b[i + 1 :]


def _written(number: str) -> str:
    """A pattern for `number` as an article may write it: a season "2003/04" also as
    "2003-04", "2003/2004" or "2003-4"."""
    season = _SEASON.match(number)
    if not season:
        return re.escape(number)
    start, end = season.group(1), season.group(2)
    full = int(start[:2] + end[-2:].zfill(2))
    full += 100 if full < int(start) else 0  # 1999/00
    ends = {str(full), f"{full % 100:02d}", str(full % 100)}
    return rf"{start}\s*[-/–]\s*(?:{'|'.join(sorted(ends, key=len, reverse=True))})"


def _holds(sentence: Sentence, kind: str) -> bool:
    """Whether `sentence` holds a span of the asked kind; a sum may be asked as a share ("how
    much more", "a fine of 10% of turnover"), an age as a date ("born in 1950", "graves
    dating to 1338")."""
    if sentence.answers:
        return True
    also = {"money": "percent", "age": "date"}.get(kind)
    return also is not None and any(s.kind == also for s in typed_spans(sentence.text))


def sum_unstated(question: str, kind: str, quoted: Sequence[Sentence]) -> Verdict | None:
    """The refusal of an answer that quotes `quoted` for "how much…" money and states no sum.

    A story often reports a deal, a sale or a fee and not its price ("How much did Google pay
    Oxford University to scan books?"). `judge` lets a money question pass when any of the top
    sentences holds a sum, since the one quoted second may give it; but that sum is often
    another story's, or stands further down this one than an answer quotes. On the BBC
    training questions 6 near-topic ones were answered so, and no answerable one. (A share
    counts unless a price paid is asked: "15% of the collection" does not say what Google
    paid; "250% more" says how much more parking costs.)"""
    if kind != "money" or not _HOW_MUCH.search(question):
        return None
    share = bool(_SHARE_ASKED.search(question)) or not _PRICE_ASKED.search(question)
    if any(_holds(s, kind) if share else s.answers for s in quoted):
        return None
    return Verdict(False, 0.0, _kind_words(kind), quoted[0].passage if quoted else None)


def _other_years(sentence: str, question: str) -> tuple[str, str] | None:
    """(the years `question` asks about, the years `sentence` gives a figure for) when none of
    the second is one of the first, else None. A decade ("the 1970s") or a bound ("since
    2005") is not a year asked about; a year the figure is compared with ("up 27% from 2003")
    is not one it gives; "this year" or "last year" may be the one asked."""
    asked = list(dict.fromkeys(_ASKED_YEAR.findall(question)))
    compared = {m.start(1) for m in _COMPARED_YEAR.finditer(sentence)}
    given = [m.group(0) for m in _ANY_YEAR.finditer(sentence) if m.start() not in compared]
    if not asked or not given or set(asked) & set(given) or _YEAR_IN_WORDS.search(sentence):
        return None
    return " or ".join(asked), " and ".join(dict.fromkeys(given))


def _gives_age_of(sentence: Sentence, needs: list[str]) -> bool:
    """Whether `sentence` gives an age beside a name of `needs` ("Mr Jacobsen, 21,", "Ebbers,
    aged 63", "the 63-year-old Ebbers")."""
    named = {w for c in needs if not c[0].isdigit() for w in c.split()}
    text = sentence.text
    for span in sentence.answers:
        before = _NAME_BEFORE_AGE.search(text, 0, span.start)
        after = _NAME_AFTER_AGE.match(text, span.end)
        if (before and before.group(1) in named) or (after and after.group(1) in named):
            return True
    return False


def _kind_words(kind: str) -> str:
    """How a refusal names what a number-asking question wanted (`NUMERIC_TYPES`)."""
    return {
        "money": "a sum of money",
        "percent": "a percentage",
        "age": "an age",
        "count": "a number",
        "score": "a score",
        "date": "a date",
        "duration": "a length of time",
    }[kind]


def refusal_text(verdict: Verdict) -> str:
    """One line: that qabot declines, the closest article, and what that article lacks."""
    if verdict.closest is None:
        return REFUSAL_TEXT
    p = verdict.closest
    where = f"Closest: {p.title} ({p.source})" if p.title else f"Closest: {p.source}"
    if verdict.instead:
        return f"{REFUSAL_TEXT} {where}, which gives {verdict.instead}, not {verdict.missing}."
    if verdict.missing:
        return f"{REFUSAL_TEXT} {where}, which does not mention {verdict.missing}."
    return f"{REFUSAL_TEXT} {where}, which does not answer it."
