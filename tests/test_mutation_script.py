"""scripts/mutation's guards, which stop before mutmut starts (a helper session's trial of
`make mutation`): a misspelt MUTATION_ONLY, a MUTATION_DIR that is not a copy the script made,
and a kept copy asked to mutate another module."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from cssecure.settings import PROJECT_ROOT


def _mutation(work: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MUTATION_DIR": str(work), "MUTATION_PROPERTIES": "0", **variables}
    return subprocess.run(["bash", str(PROJECT_ROOT / "scripts" / "mutation")], env=env,
                          capture_output=True, text=True, timeout=300, check=False)


def test_a_mutation_only_path_that_matches_no_file_is_refused_before_the_run(
    tmp_path: Path,
) -> None:
    done = _mutation(tmp_path / "copy", MUTATION_ONLY="cssecure/policy/currencies.py")
    assert done.returncode != 0
    assert "MUTATION_ONLY: no file matches cssecure/policy/currencies.py" in done.stderr
    assert not (tmp_path / "copy").exists()  # refused before the copy is made


def test_a_folder_the_script_did_not_make_is_never_removed(tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me", encoding="utf-8")
    done = _mutation(mine)
    assert done.returncode == 2 and "not a copy made by scripts/mutation" in done.stderr
    assert (mine / "notes.txt").read_text(encoding="utf-8") == "keep me"


def test_a_kept_copy_refuses_another_modules_run(tmp_path: Path) -> None:
    kept = tmp_path / "kept"
    kept.mkdir()
    (kept / ".mutation-copy").write_text("cssecure/nlu/dates.py\n", encoding="utf-8")
    done = _mutation(kept, MUTATION_KEEP="1", MUTATION_ONLY="cssecure/policy/currency.py")
    assert done.returncode == 2
    assert "mutates 'cssecure/nlu/dates.py', not 'cssecure/policy/currency.py'" in done.stderr
