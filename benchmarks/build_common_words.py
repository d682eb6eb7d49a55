"""Write `qabot/common_words.txt`: the words English prose writes in small letters.

A capitalised word that starts a sentence may be a name ("Almunia was then Arsenal's hero") or
an ordinary word ("Plans to portray…", "Broadcasters should…"). `qabot.answer_types` reads a
sentence's first word as a name only when it is not one of these words. They are every word of
SQuAD dev-a's paragraphs that stands in small letters after a word in small letters, a comma or
a semicolon (so never at the start of a sentence): about 10,000 words. The list is a lexicon,
not a model: it holds no answer, and dev-b is not read.

    .venv/bin/python benchmarks/build_common_words.py [--squad FILE (default: dev-a)]
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from _common import ROOT, SHARED

OUT = ROOT / "qabot" / "common_words.txt"
_SMALL_WORD = re.compile(r"(?<=[a-z,;] )([a-z][a-z'-]+)\b")


def common_words(squad: dict) -> list[str]:
    """The words of `squad`'s paragraphs written in small letters inside a sentence, sorted."""
    found: set[str] = set()
    for article in squad["data"]:
        for paragraph in article["paragraphs"]:
            found.update(_SMALL_WORD.findall(paragraph["context"]))
    return sorted(found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--squad", type=Path, default=SHARED / "benchmarks/squad/dev-a.json")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    words = common_words(json.loads(args.squad.read_text(encoding="utf-8")))
    args.out.write_text("\n".join(words) + "\n", encoding="utf-8")
    print(f"{len(words)} words -> {args.out}")


if __name__ == "__main__":
    main()
