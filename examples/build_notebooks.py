"""Build the examples' Jupyter notebooks from their scripts (the scripts are the source).

Each ``examples/*.py`` script is written in the percent format: ``# %%`` starts a code
cell, ``# %% [markdown]`` a markdown cell whose lines start with ``# ``. Run

    python examples/build_notebooks.py

after editing a script; the tests check that every notebook matches its script and
execute both.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
KERNEL = {"name": "python3", "display_name": "Python 3", "language": "python"}


def scripts() -> list[Path]:
    """The example scripts (every .py here but this builder)."""
    return sorted(p for p in HERE.glob("*.py") if p.name != Path(__file__).name)


def cells(text: str) -> list[tuple[str, str]]:
    """(kind, source) of each cell of a percent-format script."""
    out: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        if line.startswith("# %%"):
            out.append(("markdown" if "[markdown]" in line else "code", []))
        elif out:
            out[-1][1].append(line)
    result = []
    for kind, lines in out:
        if kind == "markdown":
            lines = [l[2:] if l.startswith("# ") else l.lstrip("#") for l in lines]
        result.append((kind, "\n".join(lines).strip("\n")))
    return result


def notebook(script: Path) -> nbformat.NotebookNode:
    """The notebook of a script (no outputs)."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = dict(KERNEL)
    nb.metadata["language_info"] = {"name": "python"}
    for kind, source in cells(script.read_text(encoding="utf-8")):
        new = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
        cell = new(source)
        cell.pop("id", None)
        nb.cells.append(cell)
    nb.nbformat, nb.nbformat_minor = 4, 4
    return nb


def main() -> None:
    for script in scripts():
        target = script.with_suffix(".ipynb")
        nbformat.write(notebook(script), target)
        print(f"wrote {target.relative_to(HERE.parent)}", file=sys.stderr)


if __name__ == "__main__":
    main()
