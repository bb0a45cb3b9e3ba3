"""The examples in examples/ run: each script executes, each notebook matches its script
and executes on the python3 kernel (nbclient), and shows lca's HTML tables and figures."""

from __future__ import annotations

import os
import runpy
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
sys.path.insert(0, str(EXAMPLES))
from build_notebooks import notebook, scripts  # noqa: E402

NAMES = [p.stem for p in scripts()]


def test_there_are_examples():
    assert {"choose_hardware_by_region", "cpu_vs_gpu_study", "whatif_workbook"} <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_notebook_matches_its_script(name):
    nbformat = pytest.importorskip("nbformat")
    committed = nbformat.read(EXAMPLES / f"{name}.ipynb", as_version=4)
    built = notebook(EXAMPLES / f"{name}.py")
    assert [(c.cell_type, c.source) for c in committed.cells] == \
        [(c.cell_type, c.source) for c in built.cells], \
        "run: python examples/build_notebooks.py"
    assert committed.metadata["kernelspec"]["name"] == "python3"
    assert all(not c.get("outputs") for c in committed.cells if c.cell_type == "code")


@pytest.mark.parametrize("name", NAMES)
def test_script_runs(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    runpy.run_path(str(EXAMPLES / f"{name}.py"), run_name="__main__")


@pytest.mark.parametrize("name", NAMES)
def test_notebook_executes(name, tmp_path, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    path = os.pathsep.join([str(ROOT)] + [p for p in [os.environ.get("PYTHONPATH")] if p])
    monkeypatch.setenv("PYTHONPATH", path)   # the kernel imports this checkout's lca
    nb = nbformat.read(EXAMPLES / f"{name}.ipynb", as_version=4)
    client = nbclient.NotebookClient(nb, kernel_name="python3", timeout=300,
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    kinds = {k for o in outputs for k in o.get("data", {})}
    assert "image/png" in kinds  # the report's figures show inline
    if name == "cpu_vs_gpu_study":
        html = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
        # the Assessment's table: Clemm et al. 2024, total per year 1,869.1 kgCO2e/a
        assert any("1,869.1" in h and "Boundary of the headline figures" in h for h in html)
