"""What a question asks for, and where a sentence of news text holds something of that kind.

`asked_type` reads the question ("who…" asks for a person, "how much did it cost…" for money);
`typed_spans` finds the spans of each kind in a sentence: people, organisations and places
(capitalised names, told apart by the words around them), money in £/$/€ with "bn"/"m",
percentages, ages, counts, scores, dates and durations. No model: regular expressions written for
English news copy, and a list of the words prose writes in small letters (a sentence's first
word is a name only when it is not one), so they are fast enough to run on every sentence.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from pathlib import Path

from qabot.text import one_line

_CARDINAL = (
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    r"fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|"
    r"eighty|ninety"
)
_TENS = r"twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
#: a number in words, capitalised or not ("Thirteen episodes…" starts a sentence)
_NUM_WORD = (
    rf"(?i:(?:{_TENS})-(?:one|two|three|four|five|six|seven|eight|nine)|{_CARDINAL}"
    r"|hundred|a dozen|dozens|hundreds|thousands|millions|half|a|an|several)"
)
_MONTH = (
    r"January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)
_DAY = r"Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
_SCALE = r"(?:\s?(?:bn|billion|m|million|trillion|tn|k|thousand)\b)?"
_AGE_NUMBER = rf"(?:\d{{1,3}}|{_CARDINAL})"
_AGE_OF_THINGS = r"\d[\d,.]*(?:[\s-](?:million|billion|thousand))?"  # "1.6-million-year-old"

SCORE = re.compile(r"(?<![\d.,£$€–-])\b\d{1,3}[-–]\d{1,3}\b(?![\d–-])")  # "3-2", not "2003-04"
_PATTERNS: dict[str, re.Pattern[str]] = {
    "money": re.compile(
        r"(?:US\$|[£$€¥])\s?\d[\d,]*(?:\.\d+)?"
        + _SCALE
        + r"|\b\d[\d,]*(?:\.\d+)?"
        + _SCALE
        + r"\s?(?:euros?|dollars?|pounds?|yen|yuan|rupees?|roubles?|pence|cents?|p)\b"
    ),
    "percent": re.compile(r"\b\d[\d,]*(?:\.\d+)?\s?(?:%|per\s?cent\b|percentage points?\b)"),
    # How news copy gives an age: "the 34-year-old", "Mr Tanzi, 66,", "died aged 77", "from
    # the age of seven", "turned 40", "was 18 when", "at 35" (not "at 10 Downing Street");
    # and a thing's: "1.6-million-year-old", "525 million years ago".
    "age": re.compile(
        rf"\b{_AGE_NUMBER}[\s-](?:year|month|week|day)s?[\s-]old\b|\baged?\s+{_AGE_NUMBER}\b"
        rf"|\b{_AGE_OF_THINGS}[\s-]years?[\s-](?:old|ago)\b"
        rf"|\bage of\s+{_AGE_NUMBER}\b|\bturn(?:s|ed|ing)?\s+{_AGE_NUMBER}\b"
        r"|(?<=[a-z]),\s\d{1,2}(?=,)|(?<=[a-z]) \(\d{1,2}\)|\b\d{1,3}(?:st|nd|rd|th) birthday\b"
        r"|\b(?:was|is|were|are)\s+\d{1,2}\s+when\b"
        r"|\bat\s+(?:just\s+|only\s+)?\d{1,2}\b(?!\s*(?:am\b|pm\b|%|[:.,-]\d|[A-Z]))",
        re.IGNORECASE,
    ),
    "score": SCORE,
    "date": re.compile(
        rf"\b(?:(?:{_DAY}),?\s+)?\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTH})\.?(?:,?\s+(?:1[0-9]|20)\d\d)?\b"
        rf"|\b(?:{_MONTH})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+(?:1[0-9]|20)\d\d)?\b"
        rf"|\b(?:(?:early|mid|late|last|next|this)[\s-])?(?:{_MONTH})(?:\s+(?:1[0-9]|20)\d\d)?\b"
        rf"|\b(?:last|next|this|on|by|since|until|from)\s+(?:{_DAY})\b|\b(?:{_DAY})\b"
        r"|\b(?:in|since|by|until|from|of|during|before|after)\s+(?:the\s+)?(?:19|20)\d\d(?:s)?\b"
        # an earlier year after a word that makes it one, not a count: "in 1654", "since the
        # 1740s" (not "in 1500 homes"); a span of years with a dash: "1754–1763", "1338–39"
        r"|\b(?i:in|since|until|from|during|before|after)\s+(?:the\s+)?(?:year\s+)?1[0-8]\d\d(?:s)?\b"
        r"(?![.,]\d|\s+(?!was\b|has\b|is\b|as\b|his\b|its\b|this\b)[a-z]+s\b)"
        r"|\b(?:1[0-9]|20)\d\d\s?[–—]\s?(?:(?:1[0-9]|20)\d\d|\d\d)\b"
        r"|\b(?:19|20)\d\d(?:-\d\d)?\b"
        r"|\b(?:yesterday|today|tomorrow|last (?:week|month|year|season|night)|next (?:week|month|year|season))\b"
    ),
    "duration": re.compile(
        rf"\b(?:\d[\d,.]*|{_NUM_WORD})(?:[\s-]+and[\s-]+a[\s-]+half)?[\s-]+"
        r"(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?|seasons?|centuries)\b"
        r"(?:[\s-]+(?:old|long))?"
    ),
    "count": re.compile(
        rf"\b(?:\d[\d,]*(?:\.\d+)?(?:\s?(?:m|bn|million|billion|thousand)\b)?|{_NUM_WORD})\b"
    ),
}

# Capitalised names: one or more capitalised words, joined by spaces, hyphens, "of"/"de"/"&".
_NAME = re.compile(
    r"\b(?:[A-Z][a-zA-Z'’.-]*[a-z0-9]|[A-Z]{2,}[a-z]?|[A-Z]\.)"
    r"(?:(?:\s+(?:(?:van|von|de) (?:der|den|la|le)|of|de|du|da|di|del|dos|van|von|der|den|la|le|al"
    r"|bin|&|the)\s+|\s+|-)"
    r"(?:[A-Z][a-zA-Z'’.-]*[a-z0-9]|[A-Z]{2,}[a-z]?|[A-Z]\.|\d+(?![\d-])))*"
)
_NOT_NAMES = frozenset(
    f"{_MONTH}|{_DAY}|The|A|An|In|On|At|But|And|Or|If|It|He|She|They|We|I|This|That|These|Those|"
    "There|His|Her|Its|Their|Our|Mr|Mrs|Ms|Dr|Sir|Lord|Lady|What|When|Where|Who|Why|How|Which|"
    "After|Before|Since|While|As|So|For|With|From|By|Of|To|Not|No|Yes|Also|However|Meanwhile|"
    "Last|Next|Some|Many|Most|All|Both|Each|One|Two|Three|BBC News|Speaking|According|Earlier|"
    "Now|Then|Despite|Although|Under|TV".split("|")
)
#: small words that a title or a band's name writes capitalised, never a person's name
_LINKING = frozenset(
    {"For", "The", "Of", "And", "Are", "Is", "In", "On", "At", "To", "With", "A", "An"}
)
_OPENING = " \"'(“‘"
_OWNER = re.compile(r"['’]s\b")
#: "US-based", "Dublin-born": where something is from, never part of its name
_ORIGIN = re.compile(r"[\w.]+-(?:based|born|owned|led|backed|bred)")
#: Words in front of a person's name that say where they are from or their post ("American
#: Taylor Dent", "Judge Letitia Clark"); alone, no name. Their party, too ("Tory Edward
#: Turnour"), but alone that is a name ("Labour").
_QUALIFIER = re.compile(
    r"American|British|English|Scottish|Welsh|Irish|French|German|Spanish|"
    r"Italian|Dutch|Belgian|Swiss|Austrian|Swedish|Norwegian|Danish|Finnish|Russian|"
    r"Ukrainian|Polish|Czech|Hungarian|Greek|Turkish|Portuguese|Australian|Canadian|"
    r"Brazilian|Argentine|Argentinian|Mexican|Chinese|Japanese|Korean|Indian|Pakistani|"
    r"Iranian|Iraqi|Israeli|Palestinian|Egyptian|Kenyan|Nigerian|Ethiopian|African|"
    r"European|Asian|Texan|Frenchman|Frenchwoman|Englishman|Scotsman|Welshman|Irishman|"
    r"Dutchman|Spaniard|Dane|Swede|Briton|Londoners|US|UK|USA|MP|MEP|Judge|Justice|"
    r"Chancellor|President|Chairman|Chairwoman|Coach|Manager|Spokesman|Spokeswoman|Secretary|"
    r"Minister|Prime|Director|General|Professor|Prof|Senator|Governor|Veteran|Comedian|Singer|"
    r"Actor|Actress"
)
_PARTY = re.compile(r"Tory|Labour|Conservative|Republican|Democrat")
COMMON_WORDS_FILE = Path(__file__).with_name("common_words.txt")


@cache
def _common_words() -> frozenset[str]:
    """Words English prose writes in small letters (`benchmarks/build_common_words.py`)."""
    return frozenset(COMMON_WORDS_FILE.read_text(encoding="utf-8").split())


_TITLE_WORD = re.compile(
    r"\b(?:Mr|Mrs|Ms|Miss|Dr|Sir|Lord|Lady|Dame|President|Prime Minister|Minister|Secretary|"
    r"Chancellor|Chairman|Chief|Judge|Justice|Prince|Princess|King|Queen|Pope|Bishop|Senator|"
    r"Governor|General|Captain|Coach|Manager|Professor|Prof|chief executive|boss|manager|coach|"
    r"striker|midfielder|defender|goalkeeper|captain|winger|singer|actor|actress|director|"
    r"chairman|spokesman|spokeswoman|minister|secretary|leader|analyst|economist|founder|"
    r"president|head)\.?\s+$"
)
_ORG_WORD = re.compile(
    r"\b(?:Ltd|plc|Inc|Corp|Corporation|Company|Co|Group|Holdings|Bank|Airways|Airlines|"
    r"Motors|Electronics|Records|Studios|Pictures|Entertainment|Music|Media|Telecom|Networks?|"
    r"Systems|Software|Technologies|Labs?|Industries|Partners|Capital|Fund|Trust|Association|"
    r"Federation|Union|Council|Commission|Committee|Office|Department|Ministry|Agency|Authority|"
    r"Board|Institute|University|College|School|Party|Parliament|Assembly|Court|Service|"
    r"Organisation|Organization|Society|League|Club|United|City|Rovers|Athletic|Wanderers|"
    r"Albion|FC|RFU|FA|UN|EU|BBC|ITV|IMF|WTO|Nasa|Navy|Army|Police|Government|Google|Microsoft|"
    r"Apple|Sony|Nintendo)\b"
)
_PLACE_BEFORE = re.compile(
    r"\b(?:in|at|from|to|near|across|into|outside|inside|around)\s+(?:the\s+)?$"
)
_PLACE_SUFFIX = re.compile(
    r"\b(?:Stadium|Park|Arena|Road|Street|Centre|Center|Hall|Square|Island|Islands|River|"
    r"Valley|County|Province|Republic|Kingdom|States|Bay|Coast|Mountains?|Straits?|Sea|Ocean|Gulf|"
    r"Lake|Peninsula|Canal|Desert|Airport|Cathedral|Church|Abbey|Palace|Castle|Cemetery|Theatre|"
    r"Theater|Prison|Bridge|Tower)\b"
)

#: the cues that name a sum ("What will the minimum wage rise to?"), not a deal ("What did
#: Google buy?")
_MONEY_NOUN = (
    r"(?:price|cost|value|profits?|loss(?:es)?|fees?|fine|sales|revenues?|turnover|earnings|"
    r"budget|salary|wage|tax|debts?|bonus|prize|compensation|damages|deficit|surplus|income|"
    r"loan|reward)"
)
#: ...and those that ask for one after "how much" or "what was the"
_MONEY_CUE = (
    rf"(?:{_MONEY_NOUN}|costs|costing|pay|paid|pays|priced|worth|valued|fined|earn|earned|"
    r"raise|raised|spend|spent|spending|fund|funding|invest|invested|investment|bid|offer|deal|"
    r"sum|charge|bill|money|cash|sell|sold|buy|bought|savings)"
)
# What the question asks for, in order: the first rule that matches wins.
_QUESTION_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("age", re.compile(r"\bhow old\b|\b(?:what|which) age\b")),
    (
        "duration",
        re.compile(
            r"^(?:for )?how long\b|\bhow much (?:time|longer)\b|\bhow many (?:years|months|weeks|days|hours|minutes|seasons)\b|\bwhat (?:length|period)\b"
            # a prison sentence is a time served ("five years", "an 18-month term")
            r"|\bwhat (?:prison |jail )?sentence\b|\bwhat (?:prison|jail) term\b"
        ),
    ),
    (
        "percent",
        re.compile(
            r"\b(?:what|which) (?:[\w'’-]+ )?(?:percentage|proportion|percent|share|rate|fraction|stake)\b|\bwhat level\b.*\brates?\b|\bby how much\b|\bhow much (?:did|has|had|have|will|would) \w+(?: \w+)? (?:rise|fall|grow|drop|increase|decrease|jump|climb|slip|shrink|fell|rose)\b|\bper ?cent\b|\bpercentage\b"
        ),
    ),
    (
        "money",
        re.compile(
            rf"^how much\b(?=.*\b{_MONEY_CUE}\b)|\bhow much (?:money|cash)\b|\bwhat (?:was |is |were |are )?(?:the )?(?:[\w-]+ )?{_MONEY_CUE}\b|\bhow much\b.*\b(?:cost|pay|paid|worth|earn|spend|spent|raise|raised)\b|\bfor how much\b"
            rf"|\bwhat (?:will|would|did|does|do|has|have|had) (?:the |its |his |her |their )?(?:[\w'’-]+ ){{0,2}}?{_MONEY_NOUN}\b|^what\b.*\bworth\?$"
            # "how big a fine…", "how large was the budget deficit…": the size of a sum
            rf"|\bhow (?:big|large) (?:(?:a|an|was|were|is|are|the|its|their)\s+)*(?:[\w'’-]+ ){{0,6}}?{_MONEY_NOUN}\b"
        ),
    ),
    (
        "score",
        re.compile(
            r"\b(?:what|which) (?:was |is )?(?:the )?(?:final )?(?:score|scoreline|result)\b|\bby what (?:score|margin)\b|\bwhat did .* (?:win|lose|beat .*) by\b"
        ),
    ),
    (
        "date",
        re.compile(
            r"^when\b|\b(?:what|which) (?:year|date|day|month|season|time of year)\b|\bin what year\b|\bon what (?:day|date)\b|\bwhen (?:did|does|do|will|is|was|were|are|has|have|had)\b"
        ),
    ),
    (
        "count",
        re.compile(
            r"^how many\b|\bhow many\b|\bwhat (?:number|total|amount|distance|height|speed)\b|\bhow (?:old|far|big|tall|high|large|fast|much)\b|\bwhat age\b"
        ),
    ),
    (
        "place",
        re.compile(
            r"^where\b|\bwhat is the capital\b|\b(?:what|which|in which|in what) (?:[\w'’-]+ )?(?:country|countries|city|cities|town|venue|stadium|ground|place|region|state|capital|county|counties|village|island|location|nation|continent|area|seat|constituency|district|suburb|borough|port|resort|prison|jail|cemetery|circuit|course|airport|hotel|hospital|theatre|province)s?\b|\b(?:what|which) part of\b|\bwhere (?:did|does|will|is|was|were|are)\b"
        ),
    ),
    (
        "org",
        re.compile(
            r"\b(?:what|which) (?:[\w'’-]+ ){0,3}?(?:company|firm|companies|firms|club|team|side|bank|group|party|band|network|airline|carrier|broadcaster|channel|studio|label|organisation|organization|body|agency|newspaper|paper|retailer|supermarket|\w*maker|manufacturer|giant|operator|union|department|university|school|website|site|service|brand|chain|publisher|court|regulator|watchdog|developer|insurer|lender|broker|consortium|charity|magazine|exchange|outfit)s?\b|\bwho (?:makes|owns|bought|sponsors|made|built|publishes)\b"
        ),
    ),
    (
        "person",
        re.compile(
            r"^(?:who|whom|whose)\b|\bwho\b|\b(?:what|which) (?:[\w'’-]+ ){0,4}?(?:person|people|player|man|woman|official|minister|secretary|spokesman|spokeswoman|boss|chief|manager|coach|striker|forward|midfielder|defender|goalkeeper|keeper|winger|actor|actress|singer|star|director|captain|leader|chairman|chairwoman|executive|president|judge|author|writer|presenter|politician|mp|mps|winner|rapper|musician|designer|founder|analyst|economist|model|comedian|host|referee|umpire|athlete|sprinter|runner|rider|driver|champion|boxer|golfer|cricketer|batsman|bowler|producer|composer|artist|novelist|journalist|editor|investor|billionaire|tycoon|entrepreneur|governor|mayor|lord|peer|candidate|lawyer|prosecutor|scientist|researcher|professor|expert|chancellor|doctor|pilot|officer|agent|envoy|ambassador|general|prince|princess|king|queen|son|daughter|wife|husband|brother|sister|father|mother|partner|rival|opponent|successor|predecessor|deputy|colleague|team-mate|teammate|whistleblower|beatle|frontbencher|backbencher|flanker|prop|hooker|centre-half|centre-back|full-back|fly-half|scrum-half|reporter|correspondent|strategist|adviser|advisor|campaigner|activist|chef|dj|swimmer|cyclist|skier|jockey|trainer|commissioner|inventor|creator|architect|photographer|dancer|guitarist|drummer|frontman|vocalist|legend|veteran|victim|suspect|defendant|witness|bishop|archbishop|cardinal|pope|monarch|treasurer|spokesperson)s?\b|\bwhat (?:is|was) (?:the |his |her |their )?name\b"
        ),
    ),
    (
        "reason",
        re.compile(
            r"^why\b|\bwhy\b|\bwhat (?:was |is )?(?:the )?(?:reason|cause)\b|\bwhat caused\b"
        ),
    ),
]

NAMED_TYPES = frozenset({"person", "org", "place"})
NUMERIC_TYPES = frozenset({"money", "percent", "age", "count", "score", "duration", "date"})
_DATE_PREPOSITION = re.compile(
    r"(?:in|since|by|until|from|of|during|before|after|on)\s+(?:the\s+)?(?:year\s+)?", re.IGNORECASE
)
_AGE_IN_SPAN = re.compile(rf"{_AGE_OF_THINGS}|{_AGE_NUMBER}", re.IGNORECASE)


#: "When X happened, how often…", "When rock buckles upwards it creates what?": a clause in
#: front of the question proper (not "When did Eriksson, who coaches England, resign?")
_LEADING_CLAUSE = re.compile(
    r"^(?:when|after|before|while|if|as) (?!(?:did|does|do|is|was|are|were|will|would|has|have"
    r"|had|can|could|should)\b)[^?]*?(?:, (?=(?:how|what|which|who|where)\b)"
    r"| (?=(?:what|which|who|whom)(?:\s+[\w'’-]+){0,3}\W*$))"
)


def asked_type(question: str) -> str:
    """The kind of thing a question asks for: one of the keys of `typed_spans`, or "other"."""
    q = _LEADING_CLAUSE.sub("", one_line(question.lower()))
    for kind, rule in _QUESTION_RULES:
        if rule.search(q):
            return kind
    return "other"


#: "Which *football club*…", "the name of the *ship*": the words naming the category the
#: question asks a member of (at most two lower-case words, up to an auxiliary, article or
#: preposition, after at most one capitalised one; a verb may slip in: "Which party won" ->
#: "party won", "Which US bank held" -> "bank held")
_CATEGORY = re.compile(
    r"\b(?:[Ww]hich|[Ww]hat|name of(?: the| his| her| its| their)?)(?:\s+[A-Z][\w'’-]*)?"
    r"((?:\s+(?!(?:is|was|are|were|"
    r"did|does|do|has|have|had|will|would|can|could|of|the|a|an|that|who|which|in|on|at|for|to|"
    r"by|with)\b)[a-z][\w'’-]*){1,2})"
)


def category_words(question: str) -> str:
    """The words of `question` that name the category of what it asks for ("Which stadium
    is…" -> "stadium"). A name of that kind may hold them ("Sydney's Olympic Stadium"), and
    is still new to the question."""
    return " ".join(m.group(1).strip() for m in _CATEGORY.finditer(question))


@dataclass(frozen=True)
class Span:
    kind: str
    start: int
    end: int
    text: str
    #: False when the kind of a name is guessed, from its length or a preposition in front,
    #: not said by its own words or a title: it may then be any named kind
    sure: bool = True


def drop_front(
    words: list[str], start: int, drop: Callable[[str, int], bool]
) -> tuple[list[str], int]:
    """The words of a name at `start` (separated by single spaces) without those in front that
    `drop(word, where_it_starts)` is true of, and where the rest starts."""
    while words and drop(words[0], start):
        start += len(words[0]) + 1
        words = words[1:]
    return words, start


def _names(sentence: str) -> list[Span]:
    out: list[Span] = []
    for m in _NAME.finditer(sentence):
        end = m.start() + len(m.group(0).rstrip("."))
        for start, stop in _owners_apart(sentence, m.start(), end):
            out.extend(_of_apart(sentence, start, stop))
    return out


_OF = re.compile(r" of (?=[A-Z])")


def _of_apart(sentence: str, start: int, end: int) -> list[Span]:
    """The names in `sentence[start:end]`: a person's name and where they work apart, when a
    title in front says it is a person: "analyst Nick Van den Brul of BNP Paribas" is "Nick Van
    den Brul" and "BNP Paribas". Any other name keeps its "of" ("Bank of England", "William II
    of Normandy", "Imperial Academy of Medicine")."""
    of = _OF.search(sentence, start, end)
    head = _name(sentence, start, of.start()) if of is not None else None
    if of is None or head is None or head.kind != "person" or not head.sure:
        parts = [_name(sentence, start, end)]
    else:  # the person, typed once
        parts = [head, _name(sentence, of.end(), end)]
    return [span for span in parts if span is not None]


def _owners_apart(sentence: str, start: int, end: int) -> list[tuple[int, int]]:
    """A person's name and its owner apart: "Britain's Rod Stewart" is "Britain" and "Rod
    Stewart", "Chaka Khan's" is "Chaka Khan". A name of a place or an organisation keeps its
    owner ("Sydney's Olympic Stadium", "St Paul's Cathedral"), and so does a lone word
    ("Sainsbury's", "Lord's")."""
    text = sentence[start:end]
    if _org_or_place(text):
        return [(start, end)]
    pieces = []
    for owner in _OWNER.finditer(sentence, start, end):
        words_after = [w for w in sentence[owner.end() : end].split() if w not in _NOT_NAMES]
        if len(words_after) >= 2 or (not words_after and len(text.split()) >= 2):
            pieces.append((start, owner.start()))
            start = owner.end() + 1
    return [*pieces, (start, end)] if start < end else pieces


def _org_or_place(name: str) -> bool:
    """Whether a name's own words say it is an organisation or a place ("Sainsbury's Bank",
    "Sydney's Olympic Stadium"): then it is nobody's name, and keeps every word."""
    return bool(_ORG_WORD.search(name) or _PLACE_SUFFIX.search(name))


def _name(sentence: str, start: int, end: int) -> Span | None:
    """The name in `sentence[start:end]` (words of `_NAME`) and its kind, or None."""
    # not part of the name: "The", "Mr", "US-based"…, and a sentence's first word when prose
    # writes it in small letters (a first word is capitalised whatever it is: "Plans to…")
    words, start = drop_front(
        sentence[start:end].split(),
        start,
        lambda word, at: (
            word in _NOT_NAMES
            or _ORIGIN.fullmatch(word) is not None
            or (not sentence[:at].strip(_OPENING) and word.lower() in _common_words())
        ),
    )
    if not words or " ".join(words) in _NOT_NAMES or all(_QUALIFIER.fullmatch(w) for w in words):
        return None
    text = sentence[start:end]
    org, place = _last(_ORG_WORD, text), _last(_PLACE_SUFFIX, text)
    if max(org, place) < 0:  # no word says it is an organisation or a place
        # where a person is from, their party or post, up to the last such word that leaves
        # two: "Russian Defense Minister Sergei Shoigu" is "Sergei Shoigu"; "American Express"
        # and "President Bush" keep theirs
        posts = [
            i for i, w in enumerate(words[:-2]) if _QUALIFIER.fullmatch(w) or _PARTY.fullmatch(w)
        ]
        if posts and words[posts[-1] + 1][:1].isupper() and words[posts[-1] + 1] not in _NOT_NAMES:
            start += len(" ".join(words[: posts[-1] + 1])) + 1
            words, text = words[posts[-1] + 1 :], sentence[start:end]
    before = sentence[max(0, start - 40) : start]
    if org > place:  # the last such word names what it is: "Manchester United", "United States"
        return Span("org", start, end, text)
    if place > org:
        return Span("place", start, end, text)
    if text.isupper() and len(text) > 1:  # "IBM", but also "UK" or "USSR"
        return Span("org", start, end, text, sure=False)
    if _TITLE_WORD.search(before):
        return Span("person", start, end, text)
    if _PLACE_BEFORE.search(before) and len(words) <= 2:  # "from Paris", "from Luke Narraway"
        return Span("place", start, end, text, sure=False)
    if len(words) >= 2 and not any(w in _LINKING for w in words[1:]):
        return Span("person", start, end, text, sure=False)  # "Kevin Boyle", "Wells Fargo"
    return Span("name", start, end, text)  # a single capitalised word: any of the three


def _last(words: re.Pattern[str], text: str) -> int:
    """Where the last match of `words` in `text` ends, or -1."""
    return max((m.end() for m in words.finditer(text)), default=-1)


@lru_cache(maxsize=8192)
def typed_spans(sentence: str) -> tuple[Span, ...]:
    """Every typed span in `sentence`, longest kinds first where they overlap (remembered:
    the reranker and the answerer read mostly the same sentences, and typing is most of the
    sentence scorer's time)."""
    spans: list[Span] = []
    taken: list[tuple[int, int]] = []
    for kind in ("money", "percent", "age", "duration", "date", "score", "count"):
        for m in _PATTERNS[kind].finditer(sentence):
            text = m.group(0).strip()
            if not text or (kind == "count" and text.lower() in {"a", "an", "half"}):
                continue
            s, e = m.start(), m.start() + len(m.group(0).rstrip())
            if any(s < te and ts < e for ts, te in taken):
                continue
            taken.append((s, e))
            number = _AGE_IN_SPAN.search(sentence, s, e) if kind == "age" else None
            if number:  # an age's span is its number: "77" of "died aged 77"
                s, e = number.span()
            if kind == "date" and (word := _DATE_PREPOSITION.match(sentence, s, e)):
                s = word.end()  # "1994" of "in 1994": what "In what year…" is answered with
            spans.append(Span(kind, s, e, sentence[s:e]))

    def in_number(at: int) -> bool:
        return any(ts <= at < te for ts, te in taken)

    for span in _names(sentence):
        # a name may end in a number ("Euro 2004", "Channel 4"), not start with one ("2004
        # Apple") or be one ("In 2004")
        words, start = drop_front(span.text.split(), span.start, lambda _, at: in_number(at))
        if words and not in_number(start):
            spans.append(replace(span, start=start, text=sentence[start : span.end]))
    return tuple(spans)


def known_people(sentences: Iterable[str]) -> frozenset[str]:
    """The last words of the people `sentences` name in full: a story gives a name in full
    once, then the surname alone ("Manuel Almunia" ... "Almunia saved")."""
    return frozenset(
        span.text.split()[-1]
        for sentence in sentences
        for span in typed_spans(sentence)
        if span.kind == "person"
    )


def matches(asked: str, span: Span) -> bool:
    """Whether `span` is of the kind `asked` for."""
    if asked in NAMED_TYPES:
        return span.kind in (asked, "name") or (span.kind in NAMED_TYPES and not span.sure)
    if asked == "count":  # "at 35" may be an age or a count
        return span.kind in ("count", "money", "percent", "duration", "age")
    if asked == "percent":
        return span.kind == "percent"
    if asked == "duration":  # "2.5 million years ago"
        return span.kind in ("duration", "age")
    if asked == "date":
        return span.kind == "date"
    return span.kind == asked


#: the posts a "who" question may ask the holder of ("Who is the chairman of…")
_ROLES = (
    "chairman|chairwoman|chair|chief executive|chief operating officer|president|editor|"
    "director|head|boss|leader|general secretary|secretary|manager|coach|captain|founder|"
    "spokesman|spokeswoman|owner|governor|commissioner|presenter|producer|chief"
)
_ASKED_ROLE = re.compile(
    rf"^(?:who|which \w+) (?:is|was|are|were)\s+(?:the\s+|its\s+|their\s+)?(?:current\s+|new\s+"
    rf"|former\s+)?(?:(?:managing|deputy|vice|executive|general|chief|assistant|club|team)\s+)?"
    rf"({_ROLES})\b",
    re.IGNORECASE,
)
_ROLE_VERB = re.compile(r"^who (leads|heads|runs|chairs|edits|manages|coaches|captains)\b", re.I)
#: the posts that a verb, or a post named loosely, stands for ("Who leads…": any of `_ROLES`)
_CHAIR = "chairman|chairwoman|chair"
_ROLES_OF = {
    "chairs": _CHAIR,
    "chairman": _CHAIR,
    "chairwoman": _CHAIR,
    "chair": _CHAIR,
    "edits": "editor",
    "manages": "manager|boss",
    "coaches": "coach",
    "captains": "captain|skipper",
    "leads": _ROLES,
    "heads": _ROLES,
    "runs": _ROLES,
    "head": _ROLES,
    "boss": _ROLES,
    "leader": _ROLES,
    "chief": _ROLES,
}


def asked_role(question: str) -> str:
    """The posts (a regex alternation) whose holder a "who" question asks for, as a sentence
    may write them ("Who leads the TUC?" is met by "TUC general secretary Brendan Barber"),
    or "" when it asks for none."""
    m = _ASKED_ROLE.search(question) or _ROLE_VERB.search(question)
    return _ROLES_OF.get(m.group(1).lower(), m.group(1).lower()) if m else ""


#: "of" and the name of where a post is held, between the post and its holder: "the chairman
#: of the FA, Geoff Thompson" (case-sensitive inside the case-blind search: names only)
_OF_NAME = r" of (?:the )?(?-i:[A-Z][\w&'’.-]*(?: (?:[A-Z][\w&'’.-]*|of|and|for))*),"
#: an honorific the holder's name may follow: "…of Migration Watch UK, Sir Andrew Green"
_HONORIFIC = r"(?:\s(?-i:Sir|Dame|Lord|Lady|Baroness|Dr|Mr|Mrs|Ms|Miss|Professor|Prof)\.?)?"


def holds_role(sentence: str, span: Span, roles: str) -> bool:
    """Whether `sentence` gives `span` one of the posts `roles` names (`asked_role`), beside
    it: "Wada chairman Dick Pound", "the chairman of the FA, Geoff Thompson", "Graham Barlow,
    editor of Mac Format"."""
    before = sentence[max(0, span.start - 60) : span.start]
    after = sentence[span.end : span.end + 25]
    return bool(
        re.search(rf"\b(?:{roles})(?:{_OF_NAME})?\W{{0,3}}{_HONORIFIC}\s?$", before, re.I)
        or re.match(rf"\s*,\s*(?:the\s+)?(?:[\w-]+\s+){{0,2}}?(?:{roles})\b", after, re.IGNORECASE)
    )
