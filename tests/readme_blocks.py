"""The README's code blocks, as a doctest-style runner reads them (used by test_readme.py
and test_examples.py).

A block is a fenced code block with a language: ``python`` blocks are executed as a whole;
in ``sh`` blocks every command line that starts with ``lca `` is run (continuation lines
ending in a backslash are joined, ``# comments`` dropped); ``yaml`` blocks are loaded as
BOMs. An HTML comment on the line before the fence changes what is expected:

* ``<!-- readme-test: fails -->``  every ``lca`` line must stop with a user error (exit 2,
  one line on stderr): the block shows what a mistake looks like;
* ``<!-- readme-test: skip REASON -->``  the block is not run (REASON says why).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

MARKER = re.compile(r"<!--\s*readme-test:\s*(\w+)\s*(.*?)\s*-->")


@dataclass
class Block:
    lang: str
    text: str
    line: int           # 1-based line of the opening fence
    marker: str = ""    # "", "fails" or "skip"
    reason: str = ""

    @property
    def id(self) -> str:
        return f"line{self.line}-{self.lang}"


def blocks(path: Path) -> list[Block]:
    """Every fenced block with a language, with the marker before it."""
    out: list[Block] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        fence = lines[i].strip()
        if fence.startswith("```") and len(fence) > 3:
            lang = fence[3:].strip()
            j = i + 1
            while j < len(lines) and not lines[j].strip().startswith("```"):
                j += 1
            marker = reason = ""
            k = i - 1
            while k >= 0 and not lines[k].strip():
                k -= 1
            m = MARKER.search(lines[k]) if k >= 0 else None
            if m:
                marker, reason = m.group(1), m.group(2)
            out.append(Block(lang, "\n".join(lines[i + 1:j]), i + 1, marker, reason))
            i = j + 1
        elif fence.startswith("```"):  # an output block without a language: skip it
            j = i + 1
            while j < len(lines) and not lines[j].strip().startswith("```"):
                j += 1
            i = j + 1
        else:
            i += 1
    return out


def commands(text: str) -> list[list[str]]:
    """The ``lca`` command lines of a shell block, as argument lists (without "lca")."""
    joined = re.sub(r"\\\n\s*", " ", text)
    out = []
    for line in joined.splitlines():
        if line.strip().startswith("lca "):
            out.append(shlex.split(line, comments=True)[1:])
    return out
