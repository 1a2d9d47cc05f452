"""Import a sealed round of per-language held-out NLU sets into ``bench/``, unread (issue 14).

A round is written by helpers who never saw the training data or the earlier sets, one file
per language (``<lang>.yml``, Rasa NLU format, optional ``extra_<lang>.yml`` for an intent
whose every message was dropped), and kept sealed: in a folder outside the project, or in this
repository as ``sealed/round<N>.tar.gz`` (see ``sealed/README.md``). This script writes
``bench/heldout_nlu_<lang>_round<N>.yml`` after dropping, mechanically, every message that is
in the training data (``data/``), in an earlier held-out set (``bench/heldout_nlu*.yml``), in
another language's set of the same round, or twice in its own. It prints counts only, so that
the person importing does not read the messages before they are measured once.

Usage::

    .venv/bin/python scripts/import_heldout_round.py 9 sealed/round9.tar.gz
    .venv/bin/python scripts/import_heldout_round.py 9 /some/folder
"""

from __future__ import annotations

import argparse
import io
import re
import tarfile
import unicodedata
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = {"de": "German", "fr": "French", "es": "Spanish", "it": "Italian", "nl": "Dutch",
             "pl": "Polish", "pt": "Portuguese"}
HEADER = """\
# Held-out NLU test set for {name} ({lang}), round {number}, CSSecure claims assistant (issue 14).
# Written by an independent helper session without seeing the training data or earlier sets.
# Rule: never train on these messages, never tune anything against them; measured once.
# Imported on {today} unread (scripts/import_heldout_round.py): messages already in the \
training data or an earlier held-out set (or in another language's round-{number} set) were \
dropped.
version: "3.1"
nlu:
"""


def normalised(text: str) -> str:
    """The text compared for overlaps: case, punctuation, spacing and entity markup ignored."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"\[([^\]]*)\]\{[^}]*\}", r"\1", text)
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s]", " ", text)).strip()


def examples(text: str) -> Iterator[tuple[str, str]]:
    """(intent, message) of a Rasa NLU YAML text."""
    data = yaml.safe_load(text) or {}
    for block in data.get("nlu", []) or []:
        if "intent" not in block:
            continue
        for line in str(block.get("examples", "")).splitlines():
            line = line.strip()
            if line.startswith("- "):
                yield block["intent"], line[2:].strip()


def sealed_files(source: Path) -> dict[str, str]:
    """File name -> text of the sealed round (a folder or a .tar.gz of one)."""
    if source.is_dir():
        return {p.name: p.read_text(encoding="utf-8") for p in source.glob("*.yml")}
    found: dict[str, str] = {}
    with tarfile.open(source, "r:gz") as archive:
        for member in archive.getmembers():
            if member.isfile() and member.name.endswith(".yml"):
                handle = archive.extractfile(member)
                assert handle is not None
                found[Path(member.name).name] = io.TextIOWrapper(handle, "utf-8").read()
    return found


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("number", type=int, help="the round's number")
    parser.add_argument("source", type=Path, help="folder or .tar.gz with <lang>.yml files")
    parser.add_argument("--data", type=Path, default=ROOT / "data", help="the training data")
    parser.add_argument("--bench", type=Path, default=ROOT / "bench", help="the held-out sets")
    args = parser.parse_args(argv)
    suffix = f"_round{args.number}"
    known: set[str] = set()
    for path in sorted(args.data.rglob("*.yml")):
        known.update(normalised(t) for _, t in examples(path.read_text(encoding="utf-8")))
    for path in sorted(args.bench.glob("heldout_nlu*.yml")):
        if not path.stem.endswith(suffix):
            known.update(normalised(t) for _, t in examples(path.read_text(encoding="utf-8")))
    files = sealed_files(args.source)
    sets = {
        lang: [*examples(files[f"{lang}.yml"]), *examples(files.get(f"extra_{lang}.yml", ""))]
        for lang in LANGUAGES
    }
    where: dict[str, set[str]] = {}
    for lang, items in sets.items():
        for _, text in items:
            where.setdefault(normalised(text), set()).add(lang)
    for lang, items in sets.items():
        kept: dict[str, list[str]] = {}
        seen: set[str] = set()
        for intent, text in items:
            key = normalised(text)
            if key in known or len(where[key]) > 1 or key in seen:
                continue
            seen.add(key)
            kept.setdefault(intent, []).append(text)
        out = HEADER.format(name=LANGUAGES[lang], lang=lang, number=args.number,
                            today=date.today().isoformat())
        for intent, texts in kept.items():
            out += f"- intent: {intent}\n  examples: |\n" + "".join(f"    - {t}\n" for t in texts)
        target = args.bench / f"heldout_nlu_{lang}{suffix}.yml"
        target.write_text(out, encoding="utf-8")
        total = sum(map(len, kept.values()))
        print(f"{lang}: kept {total}, dropped {len(items) - total}, "
              f"out_of_scope {len(kept.get('out_of_scope', []))}, intents {len(kept)}")


if __name__ == "__main__":
    main()
