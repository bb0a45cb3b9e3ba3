"""Long sweeps and Monte Carlo runs on Dask (issue 15, item 2): a real
distributed.LocalCluster with two worker processes (the shared ``cluster`` fixture of
conftest.py) must give exactly the rows of the pandas engine."""

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

import lca
from lca.errors import ParameterError
from lca.sinks import read_units

AXES = {"pue": np.linspace(1.05, 1.8, 5), "lifetime": [3, 4, 6],
        "region": ["FR", "DE", "US"], "method": ["clemm2024", "act2022"]}


@pytest.fixture(scope="module")
def on_pandas():
    return lca.sweep("clemm2024-cpu", **AXES)


def test_sweep_on_a_local_cluster_equals_pandas(on_pandas, cluster):
    # 90 rows in partitions of 13: partition edges fall inside every axis' runs
    on_dask = lca.sweep("clemm2024-cpu", engine="dask", scheduler=cluster.scheduler_address,
                        chunk_size=13, **AXES)
    pd.testing.assert_frame_equal(on_dask, on_pandas, check_exact=True)


def test_sweep_partitioned_parquet_written_by_the_workers(on_pandas, cluster, tmp_path):
    out = lca.sweep("clemm2024-cpu", engine="dask", scheduler=cluster.scheduler_address,
                    chunk_size=40, out=tmp_path / "rows", **AXES)
    files = sorted(out.glob("*.parquet"))
    assert len(files) == 3   # 90 rows in partitions of 40
    assert read_units(files[0])["total_kgco2e_per_year"] == "kgCO2e/year"
    back = pq.read_table(out).to_pandas()
    numbers = [c for c in on_pandas.columns if c not in ("region", "method")]
    np.testing.assert_array_equal(back[numbers].to_numpy(), on_pandas[numbers].to_numpy())
    assert list(back["region"].astype(str)) == list(on_pandas["region"].astype(str))
    # the pandas engine writes the same folder, and lca replaces only what it wrote
    again = lca.sweep("clemm2024-cpu", chunk_size=40, out=out, **AXES)
    np.testing.assert_array_equal(pq.read_table(again).to_pandas()[numbers].to_numpy(),
                                  on_pandas[numbers].to_numpy())
    foreign = tmp_path / "mine"
    foreign.mkdir()
    with pytest.raises(lca.OverwriteError):
        lca.sweep("clemm2024-cpu", out=foreign, **AXES)


def test_iter_sweep_on_dask_streams_the_same_chunks(on_pandas, cluster):
    chunks = list(lca.iter_sweep("clemm2024-cpu", engine="dask", chunk_size=25,
                                 scheduler=cluster.scheduler_address, **AXES))
    assert [len(c) for c in chunks] == [25, 25, 25, 15]
    # sweep() returns lca.display.ResultFrame (notebook display), iter_sweep plain frames
    pd.testing.assert_frame_equal(pd.concat(chunks), on_pandas, check_exact=True,
                                  check_frame_type=False)


def test_monte_carlo_on_a_local_cluster_equals_pandas(cluster):
    kw = dict(n=2_500, seed=11, chunk_size=1_000)
    on_pandas = lca.monte_carlo("clemm2024-cpu", **kw)
    on_dask = lca.monte_carlo("clemm2024-cpu", engine="dask",
                              scheduler=cluster.scheduler_address, **kw)
    pd.testing.assert_frame_equal(on_dask.samples, on_pandas.samples, check_exact=True)
    pd.testing.assert_frame_equal(on_dask.summary, on_pandas.summary, check_exact=True)
    # partitions draw from distinct streams: no partition repeats another's draws
    grid = on_pandas.samples["grid"].to_numpy()
    assert not np.array_equal(grid[:1000], grid[1000:2000])


def test_one_partition_draws_what_default_rng_draws():
    # up to chunk_size samples, the draws are those of numpy's default_rng(seed)
    mc = lca.monte_carlo("clemm2024-cpu", n=500, seed=5, dists={"grid": ("uniform", 0.1, 0.5)},
                         vary="none")
    expected = np.random.default_rng(5).uniform(0.1, 0.5, 500)
    np.testing.assert_array_equal(mc.samples["grid"].to_numpy(), expected)


def test_engine_and_scheduler_are_checked():
    with pytest.raises(ParameterError, match="engine"):
        lca.sweep("clemm2024-cpu", engine="spark", pue=[1.1])
    with pytest.raises(ParameterError, match="scheduler"):
        lca.monte_carlo("clemm2024-cpu", n=10, scheduler="tcp://127.0.0.1:1")
