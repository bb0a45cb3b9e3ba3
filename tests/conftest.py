from pathlib import Path

import pytest

HERE = Path(__file__).parent


@pytest.fixture
def tests_data() -> Path:
    return HERE / "data"


MINIMAL_BOM = """\
name: tiny
kind: cpu
lifetime: 4 years
usage:
  grid: 0.5 kgCO2e/kWh
  profile:
    - {share: 1.0, power: 100 W}
components:
  - {name: cpu, type: logic, role: processor, area: 1 cm^2}
"""


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
