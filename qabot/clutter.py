"""What on a news page is not article text: navigation and furniture lines, boxes of links
("Most read", "Related stories"), share bars, cookie and subscription notes.

`clean` finds them in text (a page saved as text, or the text of an HTML page, a PDF or a
Markdown file); `is_box` recognises the HTML elements that hold them.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from qabot.text import one_line

#: Lines that are web-page furniture, never article text (compared case-folded, stripped).
CHROME_LINES = {
    "accessibility links",
    "breaking news",
    "updated",
    "xs",
    "sm",
    "md",
    "lg",
    "xl",
    "skip to main content",
    "skip to content",
    "advertisement",
    "share",
    "share this article",
    "print",
    "email",
    "comments",
    "related",
    "related content",
    "see also",
    "menu",
    "search",
    "16x9 image",
    "image",
    "photo",
    "video",
    "to find out more, click here.",
    "click here",
    "read more",
    "more",
    "log in",
    "sign in",
    "subscribe",
    "close",
}
#: Headings of boxes of links to other stories: the heading and the list under it go.
BOX_HEADINGS = {
    "most read",
    "most popular",
    "most viewed",
    "most watched",
    "most shared",
    "related stories",
    "related articles",
    "related links",
    "related topics",
    "more on this story",
    "more stories",
    "more from this section",
    "top stories",
    "latest stories",
    "latest news",
    "trending",
    "trending now",
    "recommended",
    "recommended for you",
    "you may also like",
    "you might also like",
    "editor's picks",
    "read next",
    "around the web",
}
#: Notes to the reader, not news: cookies, subscriptions, newsletters, share prompts.
_NOTE = re.compile(
    r"\bwe use cookies\b|\b(?:accept|allow|manage|reject)(?: all)? cookies\b"
    r"|\bcookie (?:policy|settings|preferences|notice)\b"
    r"|\bsubscribe (?:now|today|to (?:read|continue|unlock|our newsletter))"
    r"|\bsubscribe for (?:just|only|£|\$|€)"
    r"|\bsubscribe to the [\w' ]{1,40} from\b|\bsign up (?:to|for) (?:our|the) (?:\w+ )?newsletter"
    r"|\balready a subscriber\b|\bfree articles? (?:left|remaining|this month)\b"
    r"|\byou have read \d+ (?:of \d+ )?(?:free )?articles?\b"
    r"|\bsupport (?:local|independent|quality|our) journalism\b"
    r"|^share (?:this|on|via)\b|\bfollow us on\b|\bdownload (?:our|the) app\b",
    re.I,
)
#: A note is a short line; a long paragraph that mentions cookies is text.
NOTE_MAX_WORDS = 40
_BULLET = re.compile(r"^\s*[•·▪►]")
_LIST_ITEM = re.compile(r"^\s*(?:\d{1,2}[.)]|[•·▪►*-])\s")
SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*$")

#: HTML elements that hold page furniture, by tag, ARIA role, or a word of class, id or label.
#: (Not `header`: an article's header holds its headline, byline and date; a site's header
#: is mostly navigation, a box of its own.)
_BOX_TAGS = frozenset("nav aside footer form button dialog menu".split())  # noqa: SIM905
_BOX_ROLES = frozenset(
    """
    navigation banner contentinfo complementary search dialog alertdialog menu menubar toolbar
    """.split()  # noqa: SIM905 - a word list reads better as prose
)
_BOX_NAMES = re.compile(
    r"(?<![a-z])(?:nav|navbar|navigation|menu|breadcrumbs?|sidebar|related|most-?read|"
    r"most-?popular|most-?viewed|popular|trending|recommended|more-?stories|share|sharing|"
    r"social|comments?|cookies?|consent|gdpr|subscribe|subscription|newsletter|signup|"
    r"sign-up|paywall|promo|advert|advertisement|ads?|sponsored|banner|footer|masthead|"
    r"outbrain|taboola|tags)(?![a-z])",
    re.I,
)


def is_box(tag: str, attrs: dict[str, str]) -> bool:
    """Whether an HTML element holds page furniture rather than the article."""
    if tag in _BOX_TAGS or attrs.get("role", "").lower() in _BOX_ROLES:
        return True
    names = " ".join(attrs.get(a, "") for a in ("class", "id", "aria-label", "data-component"))
    return _BOX_NAMES.search(names) is not None


def norm(line: str) -> str:
    return one_line(line).casefold()


def is_headline(line: str) -> bool:
    words = line.split()
    return 3 <= len(words) <= 25 and not SENTENCE_END.search(line.strip())


def is_note(line: str) -> bool:
    """A cookie, subscription, newsletter or share note."""
    return len(line.split()) <= NOTE_MAX_WORDS and _NOTE.search(line.strip()) is not None


def _in_box_list(line: str) -> bool:
    """A line of a list of links: numbered or bulleted, or a headline without a full stop."""
    return _LIST_ITEM.match(line) is not None or not SENTENCE_END.search(line)


def clean(
    text: str, not_text: Sequence[tuple[int, int]] = ()
) -> tuple[str, tuple[tuple[int, int], ...]]:
    """Split `text` into the headline and the content spans, dropping page chrome.

    Chrome: known furniture lines, bullet lines and everything after them (site footers),
    short label lines (three words or fewer without a full stop), lines that occur more
    than once (photo captions), cookie and subscription notes, box headings ("Most read")
    with the list under them, and lines that overlap `not_text` (what the file's format
    says is not article text: an HTML page box, front matter, a byline). Spans are maximal
    runs of content lines, so a span may hold several paragraphs separated by blank lines
    but never a chrome line.
    """
    lines: list[tuple[int, int, str]] = []  # (start, end-without-newline, stripped text)
    pos = 0
    for raw in text.split("\n"):
        end = pos + len(raw)
        body = raw.rstrip("\r")
        lines.append((pos, pos + len(body), body.strip()))
        pos = end + 1
    counts = Counter(norm(s) for _, _, s in lines if s)
    excluded = sorted(not_text)

    title = ""
    spans: list[tuple[int, int]] = []
    run_start: int | None = None
    run_end = 0
    body_started = False
    in_box = False
    ex = 0

    def close_run() -> None:
        nonlocal run_start
        if run_start is not None:
            spans.append((run_start, run_end))
            run_start = None

    for start, end, stripped in lines:
        if not stripped:
            continue  # blank lines do not break a run
        while ex < len(excluded) and excluded[ex][1] <= start:
            ex += 1
        line_norm = norm(stripped)
        in_box = line_norm in BOX_HEADINGS or (in_box and _in_box_list(stripped))
        chrome = (
            in_box
            or line_norm in CHROME_LINES
            or counts[line_norm] > 1
            or (body_started and _BULLET.match(stripped) is not None)
            or (ex < len(excluded) and excluded[ex][0] < end)
            or is_note(stripped)
        )
        if body_started and _BULLET.match(stripped):
            close_run()
            break  # a bullet after the body starts the site footer
        if not chrome and not title and not body_started and is_headline(stripped):
            title = stripped
            continue
        if not chrome and len(stripped.split()) <= 3 and not SENTENCE_END.search(stripped):
            chrome = True
        if chrome:
            close_run()
            continue
        body_started = True
        # offsets of the stripped text within the raw line
        lead = len(text[start:end]) - len(text[start:end].lstrip())
        if run_start is None:
            run_start = start + lead
        run_end = start + lead + len(stripped)
    close_run()
    return title, tuple(spans)
