"""Reading the project's YAML data (the policy tables, the readers' word lists, the languages).

PyYAML's C loader (libyaml, inside PyYAML's wheels) reads the same safe YAML as its
pure-Python ``safe_load``, 8-10 times faster: the 35 KB fact registry in 7 ms instead of 80,
all nine data files in 30 ms instead of 300. That is start-up time in every process, and
most of ``make mutation``'s map of which test reaches which function (it rebuilds these
tables before each of about 3,700 tests). Where PyYAML was built without libyaml, the
pure-Python safe loader reads them, with the same result.
"""

from __future__ import annotations

from importlib.abc import Traversable
from pathlib import Path
from typing import IO, Any

import yaml

SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(stream: str | bytes | IO[str] | IO[bytes]) -> Any:
    """``yaml.safe_load`` with the C loader when there is one.

    Args:
        stream: YAML text, or an open file.

    Returns:
        The document (dicts, lists, strings, numbers, booleans, None; dates as ``date``).

    Raises:
        yaml.YAMLError: the text is not YAML.
    """
    return yaml.load(stream, Loader=SafeLoader)  # noqa: S506 - a safe loader


def load_file(path: Path | Traversable) -> Any:
    """A YAML file's document, read as bytes: YAML's own encoding rules apply (UTF-8, or
    UTF-16/32 with a byte-order mark), whatever the locale's encoding.

    Args:
        path: The file (a path, or a package resource from ``importlib.resources``).

    Raises:
        OSError: the file cannot be read.
        yaml.YAMLError: the text is not YAML.
    """
    return safe_load(path.read_bytes())
