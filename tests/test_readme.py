"""Every code block of the README runs as written (a doctest-style runner, see
tests/readme_blocks.py): python blocks execute, `lca ...` lines exit 0 (or, in blocks
marked as failing, stop with one error line and exit 2), YAML blocks load as BOMs."""

from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path

import pytest

import lca
from lca.cli import main
from readme_blocks import blocks, commands

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCKS = [b for b in blocks(README) if b.lang in ("python", "sh", "yaml")]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    """One folder for the whole README, so a file an earlier block writes (lca init
    my-server.yaml) is there for the later ones."""
    return tmp_path_factory.mktemp("readme")


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(argv)
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
    return code, out.getvalue(), err.getvalue()


def test_the_readme_has_blocks_of_each_kind():
    langs = {b.lang for b in BLOCKS}
    assert {"python", "sh", "yaml"} <= langs
    assert sum(len(commands(b.text)) for b in BLOCKS if b.lang == "sh") >= 40


@pytest.mark.parametrize("block", BLOCKS, ids=[b.id for b in BLOCKS])
def test_readme_block(block, workdir, monkeypatch):
    if block.marker == "skip":
        pytest.skip(block.reason or "marked skip in the README")
    monkeypatch.chdir(workdir)
    if block.lang == "python":
        code = compile(block.text, f"README.md:{block.line}", "exec")
        exec(code, {"__name__": "__readme__"})
    elif block.lang == "yaml":
        path = Path(workdir) / f"readme-{block.line}.yaml"
        path.write_text(block.text, encoding="utf-8")
        assert lca.assess(path).total_per_year.magnitude > 0
    else:
        for argv in commands(block.text):
            code, out, err = run_cli(argv)
            if block.marker == "fails":
                assert code == 2, (argv, out, err)
                assert err.startswith("lca: error:") and len(err.strip().splitlines()) == 1
                assert "Traceback" not in err
            else:
                assert code == 0, (argv, err)
                assert "Traceback" not in err
