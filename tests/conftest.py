import os
from pathlib import Path

import pytest

HERE = Path(__file__).parent


@pytest.fixture(autouse=True, scope="session")
def _lca_state_dir(tmp_path_factory):
    """lca's record of the plain files it wrote (lca.io.state_dir) lives in a folder of
    the test session, not in the user's home; subprocesses inherit it."""
    old = os.environ.get("LCA_STATE_DIR")
    os.environ["LCA_STATE_DIR"] = str(tmp_path_factory.mktemp("lca-state"))
    yield
    if old is None:
        os.environ.pop("LCA_STATE_DIR", None)
    else:
        os.environ["LCA_STATE_DIR"] = old


@pytest.fixture
def tests_data() -> Path:
    return HERE / "data"


#: Everything of a tiny BOM but its components (the list is open: append "  - {...}\n").
BOM_HEADER = """\
name: tiny
kind: cpu
lifetime: 4 years
usage:
  grid: 0.5 kgCO2e/kWh
  profile:
    - {share: 1.0, power: 100 W}
components:
"""

MINIMAL_BOM = BOM_HEADER + "  - {name: cpu, type: logic, role: processor, area: 1 cm^2}\n"


@pytest.fixture
def write_bom(tmp_path):
    """Write YAML text to a file and return its path."""
    def write(text: str, name: str = "bom.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path
    return write


@pytest.fixture(scope="session")
def cluster():
    """One real distributed.LocalCluster (two worker processes) shared by every test of
    the Dask engines (fleet, sweep, Monte Carlo)."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as c:
        yield c
