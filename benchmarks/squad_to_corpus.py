"""Convert a SQuAD v1.1 file into a qabot corpus folder plus a fixtures JSONL.

Each article becomes one `.txt` file: its title (underscores as spaces) on the first line, a
blank line, then its paragraphs separated by blank lines. Each question becomes one fixture in
the docs/DESIGN.md format, with its answer strings deduplicated.

    python benchmarks/squad_to_corpus.py ../shared/benchmarks/squad/dev-a.json \
        --out benchmarks/data/squad-dev-a [--limit N | --sample N --seed S]

writes `OUT/corpus/*.txt` and `OUT/fixtures.jsonl`. The corpus holds every article unless
`--hold-out N` is given; `--limit` / `--sample` only thin the questions (for quick runs).

`--hold-out N` makes the unanswerable variant: N articles (chosen with `--seed`) are left out
of the corpus and their questions become `"unanswerable": true` fixtures, asked against the
remaining articles.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import sys
from pathlib import Path


def file_name(title: str) -> str:
    """A portable file name for a title: `Fresno,_California` -> `Fresno_California.txt`."""
    stem = re.sub(r"[^A-Za-z0-9]+", "_", title).strip("_")
    return f"{stem or 'article'}.txt"


def humanise(title: str) -> str:
    return " ".join(title.replace("_", " ").split())


def convert(
    squad: dict,
    limit: int | None = None,
    sample: int | None = None,
    seed: int = 0,
    hold_out: int = 0,
) -> tuple[dict[str, str], list[dict]]:
    """(file name -> text, fixtures) for a SQuAD v1.1 dict."""
    files: dict[str, str] = {}
    fixtures: list[dict] = []
    held = set(random.Random(seed).sample(range(len(squad["data"])), hold_out))
    for number, article in enumerate(squad["data"]):
        name = file_name(article["title"])
        if name in files:
            raise ValueError(f"two articles map to {name}")
        paragraphs = [" ".join(p["context"].split()) for p in article["paragraphs"]]
        files[name] = humanise(article["title"]) + "\n\n" + "\n\n".join(paragraphs) + "\n"
        for para in article["paragraphs"]:
            for qa in para["qas"]:
                answers = list(dict.fromkeys(a["text"].strip() for a in qa["answers"]))
                answers = [a for a in answers if a]
                if not answers:
                    continue
                fixture = {
                    "id": qa["id"],
                    "question": " ".join(qa["question"].split()),
                    "source": name,
                    "answers": answers,
                }
                if number in held:
                    fixture.update(source=None, answers=[], unanswerable=True)
                fixtures.append(fixture)
        if number in held:
            del files[name]
    if sample is not None:
        rng = random.Random(seed)
        keep = set(rng.sample(range(len(fixtures)), min(sample, len(fixtures))))
        fixtures = [f for i, f in enumerate(fixtures) if i in keep]
    if limit is not None:
        fixtures = fixtures[:limit]
    return files, fixtures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("squad", type=Path, help="SQuAD v1.1 JSON file")
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument("--limit", type=int, help="keep only the first N questions")
    parser.add_argument("--sample", type=int, help="keep N questions chosen at random")
    parser.add_argument("--seed", type=int, default=0, help="random seed for --sample")
    parser.add_argument(
        "--hold-out",
        type=int,
        default=0,
        help="leave N articles out; their questions are unanswerable",
    )
    args = parser.parse_args(argv)

    squad = json.loads(args.squad.read_text(encoding="utf-8"))
    files, fixtures = convert(squad, args.limit, args.sample, args.seed, args.hold_out)

    corpus = args.out / "corpus"
    # Rewrite the corpus only when it differs, so an existing index stays "unchanged".
    existing = {p.name: p for p in corpus.glob("*.txt")} if corpus.is_dir() else {}
    if set(existing) != set(files) or any(
        existing[n].read_text(encoding="utf-8") != t for n, t in files.items()
    ):
        shutil.rmtree(corpus, ignore_errors=True)
        corpus.mkdir(parents=True)
        for name, text in files.items():
            (corpus / name).write_text(text, encoding="utf-8")
    fixtures_path = args.out / "fixtures.jsonl"
    fixtures_path.write_text(
        "".join(json.dumps(f, ensure_ascii=False) + "\n" for f in fixtures), encoding="utf-8"
    )
    size = sum(len(t.encode()) for t in files.values())
    print(
        f"{len(files)} articles ({size / 1e6:.2f} MB) -> {corpus}; "
        f"{len(fixtures)} questions -> {fixtures_path}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
