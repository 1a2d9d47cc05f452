"""scripts/import_heldout_round.py drops every message a sealed round shares with the training
data, an earlier held-out set, another language's set of the round or itself (issue 14)."""

from __future__ import annotations

import runpy
import tarfile
from pathlib import Path

import pytest
import yaml

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "import_heldout_round.py"
LANGUAGES = ("de", "fr", "es", "it", "nl", "pl", "pt")


def nlu(**intents: list[str]) -> str:
    blocks = [{"intent": name, "examples": "".join(f"- {t}\n" for t in texts)}
              for name, texts in intents.items()]
    return yaml.safe_dump({"version": "3.1", "nlu": blocks}, allow_unicode=True)


def kept(bench: Path, lang: str) -> dict[str, list[str]]:
    data = yaml.safe_load((bench / f"heldout_nlu_{lang}_round9.yml").read_text(encoding="utf-8"))
    return {b["intent"]: [line[2:] for line in b["examples"].splitlines()] for b in data["nlu"]}


@pytest.mark.parametrize("packed", [False, True], ids=["folder", "tar.gz"])
def test_overlaps_are_dropped_and_the_rest_kept_in_order(tmp_path: Path, packed: bool) -> None:
    data, bench, sealed = tmp_path / "data", tmp_path / "bench", tmp_path / "sealed"
    for folder in (data, bench, sealed):
        folder.mkdir()
    (data / "nlu.yml").write_text(nlu(greet=["Hallo zusammen"]), encoding="utf-8")
    (bench / "heldout_nlu_fr_round3.yml").write_text(nlu(greet=["Bonjour !"]), encoding="utf-8")
    sets = {lang: nlu(out_of_scope=[f"message {lang}"]) for lang in LANGUAGES}
    sets["de"] = nlu(greet=["hallo  ZUSAMMEN!", "Servus beinand"],
                     report_lost=["Paket weg", "paket weg", "tracking vorbei"])
    sets["fr"] = nlu(greet=["bonjour"], report_lost=["Tracking vorbei ?", "colis perdu"])
    for lang, text in sets.items():
        (sealed / f"{lang}.yml").write_text(text, encoding="utf-8")
    (sealed / "extra_de.yml").write_text(nlu(deny=["nein, das war ein anderes"]), "utf-8")
    source = sealed
    if packed:
        source = tmp_path / "round9.tar.gz"
        with tarfile.open(source, "w:gz") as archive:
            archive.add(sealed, arcname="round9")
    main = runpy.run_path(str(SCRIPT))["main"]
    main(["9", str(source), "--data", str(data), "--bench", str(bench)])
    # Training data (any case and punctuation), twice in its own set, in another language's set.
    assert kept(bench, "de") == {"greet": ["Servus beinand"], "report_lost": ["Paket weg"],
                                 "deny": ["nein, das war ein anderes"]}
    # An earlier held-out set; the message also in German's round 9 goes from both.
    assert kept(bench, "fr") == {"report_lost": ["colis perdu"]}
    assert kept(bench, "pl") == {"out_of_scope": ["message pl"]}
    header = (bench / "heldout_nlu_pl_round9.yml").read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("# Held-out NLU test set for Polish (pl), round 9")
