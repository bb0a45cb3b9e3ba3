"""Fleet assessments (lca.fleet): sums of per-group `assess` results, on pandas and on a
real Dask distributed.LocalCluster (two worker processes)."""

import math

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

import lca
from lca.cli import app

BOMS = ["clemm2024-cpu", "dgx-h100", "tpu-v5e-host"]
REGIONS = ["DE", "FR", "US", ""]


@pytest.fixture(scope="module")
def inventory() -> pd.DataFrame:
    """40 groups: BOMs, regions (or the BOM's own grid), counts, PUEs, install dates
    mid-year, lifetimes given as years, as retirement dates, or left to the BOM."""
    rng = np.random.default_rng(15)
    n = 40
    days = rng.integers(0, 365 * 6, n)
    install = pd.Timestamp("2019-01-01") + pd.to_timedelta(days, unit="D")
    life = rng.choice([3.0, 4.0, 5.5, np.nan], n)
    retire = pd.Series(install + pd.to_timedelta(np.round(rng.uniform(2, 6, n) * 365), unit="D"))
    use_retire = np.isnan(life) & (rng.random(n) < 0.5)
    return pd.DataFrame({
        "bom": rng.choice(BOMS, n),
        "count": rng.integers(1, 50, n).astype(float),
        "region": rng.choice(REGIONS, n),
        "pue": np.where(rng.random(n) < 0.3, np.nan, rng.uniform(1.05, 1.6, n)),
        "install_date": install.strftime("%Y-%m-%d"),
        "retire_date": np.where(use_retire, retire.dt.strftime("%Y-%m-%d"), ""),
        "lifetime [years]": life,
    })


def decimal_year(text: str) -> float:
    t = pd.Timestamp(text)
    days = 366 if t.is_leap_year else 365
    return t.year + (t.day_of_year - 1) / days


def expected(inventory: pd.DataFrame, embodied: str) -> dict:
    """Each group assessed alone with lca.assess, times its count, spread over the years
    by hand: {(year, region, bom, stage, category): value}. Use and infrastructure accrue
    with time in service; manufacturing and transport fall in the year of purchase and
    end of life in the year of retirement (or all are amortised)."""
    out: dict = {}
    for row in inventory.itertuples(index=False):
        start = decimal_year(row.install_date)
        over = {}
        if row.region:
            over["region"] = row.region
        if not math.isnan(row.pue):
            over["pue"] = row.pue
        life = getattr(row, "_6")   # "lifetime [years]"
        if row.retire_date:
            life = decimal_year(row.retire_date) - start
        if not math.isnan(life):
            over["lifetime"] = life
        a = lca.assess(row.bom, **over)
        life = float(a.params["lifetime"])
        region = a.meta["region"] or "custom"
        end = start + life
        for stage, category, _, column, timing in lca.fleet.results():
            total = row.count * a.row[column]
            for year in range(int(math.floor(start)), int(math.floor(end)) + 1):
                in_service = max(0.0, min(end, year + 1) - max(start, year))
                if timing == "in_service" or embodied == "amortised":
                    share = in_service / life
                elif timing == "purchase":
                    share = 1.0 if year == math.floor(start) else 0.0
                else:
                    share = 1.0 if year == math.floor(end) else 0.0
                if share > 0:
                    key = (year, region, row.bom, stage, category)
                    out[key] = out.get(key, 0.0) + total * share
    return out


def check(result: pd.DataFrame, want: dict, by: list[str]) -> None:
    names = ["year", "region", "bom"]
    totals: dict = {}
    for key, value in want.items():
        k = tuple(key[names.index(b)] for b in by) + key[3:]
        totals[k] = totals.get(k, 0.0) + value   # NaN (not covered) stays NaN
    got = {tuple(r[:-1]): r[-1] for r in
           result[[*by, "stage", "category", "value"]].itertuples(index=False, name=None)}
    assert set(got) == set(totals)
    for k, v in totals.items():
        assert got[k] == pytest.approx(v, rel=1e-12, abs=1e-9, nan_ok=True), k
    units = dict(zip(result["category"], result["unit"]))
    assert units["gwp"] == "kgCO2e" and units["water"] == "L_water"


@pytest.mark.parametrize("embodied", ["purchase", "amortised"])
def test_pandas_fleet_is_the_sum_of_assessments(inventory, embodied):
    want = expected(inventory, embodied)
    for by in (["year", "region", "bom"], ["year"], ["region", "bom"]):
        check(lca.fleet(inventory, by=by, embodied=embodied), want, by)


def test_both_conventions_give_the_same_lifetime_total(inventory):
    a = lca.fleet(inventory, by="bom", embodied="purchase")
    b = lca.fleet(inventory, by="bom", embodied="amortised")
    assert a[["bom", "stage", "category"]].equals(b[["bom", "stage", "category"]])
    np.testing.assert_allclose(a["value"], b["value"], rtol=1e-12)   # NaN where NaN


def test_chunks_and_files_give_the_same_result(inventory, tmp_path):
    whole = lca.fleet(inventory, by="year,region,bom")
    csv = tmp_path / "inventory.csv"
    inventory.to_csv(csv, index=False)
    chunked = lca.fleet(csv, by="year,region,bom", chunk_size=7)
    pd.testing.assert_frame_equal(chunked, whole, check_exact=False, rtol=1e-12)


def test_dask_on_a_local_cluster_equals_pandas(inventory, tmp_path, cluster):
    folder = tmp_path / "inventory"
    folder.mkdir()
    for i, part in enumerate(np.array_split(np.arange(len(inventory)), 3)):
        pq.write_table(pa.Table.from_pandas(inventory.iloc[part], preserve_index=False),
                       folder / f"part-{i}.parquet")
    for embodied in ("purchase", "amortised"):
        by = ["year", "region", "bom"]
        on_dask = lca.fleet(folder, by=by, embodied=embodied, engine="dask",
                            scheduler=cluster.scheduler_address)
        on_pandas = lca.fleet(inventory, by=by, embodied=embodied)
        # pandas is checked against per-group assessments above; the engines differ at
        # most by the order of floating-point additions
        pd.testing.assert_frame_equal(on_dask, on_pandas, check_exact=False, rtol=1e-12)
    out = lca.fleet(folder, by="year,bom", engine="dask", scheduler=cluster.scheduler_address,
                    out=tmp_path / "result")
    back = pq.read_table(out).to_pandas()
    assert sorted(back["year"].astype(int).unique()) == sorted(
        lca.fleet(inventory, by="year")["year"].unique())


def test_units_in_cells_and_headers(tmp_path):
    base = pd.DataFrame({"bom": ["clemm2024-cpu"], "count": [3], "install_date": [2022],
                         "lifetime [years]": [4], "grid [gCO2e/kWh]": [400.0]})
    cells = pd.DataFrame({"bom": ["clemm2024-cpu"], "count": [3], "install_date": ["2022"],
                          "lifetime": ["35040 h"], "grid": ["0.4 kgCO2e/kWh"]})
    pd.testing.assert_frame_equal(lca.fleet(base, by="year"), lca.fleet(cells, by="year"))
    one = lca.assess("clemm2024-cpu", grid=0.4, lifetime=4)
    got = lca.fleet(base, by=[])
    use = got.loc[(got["stage"] == "use") & (got["category"] == "gwp"), "value"].item()
    assert use == pytest.approx(3 * 4 * one.operational_per_year.magnitude, rel=1e-12)


def test_bad_inventories_are_one_line_errors(tmp_path):
    runner = CliRunner()
    bad = tmp_path / "bad.csv"
    bad.write_text("bom,count,install_date,colour\nclemm2024-cpu,1,2022,red\n")
    r = runner.invoke(app, ["fleet", str(bad)])
    assert r.exit_code == 2 and "colour" in r.stderr and "Traceback" not in r.output
    bad.write_text("bom,count,install_date,lifetime\nclemm2024-cpu,1,2022,4 kg\n")
    r = runner.invoke(app, ["fleet", str(bad)])
    assert r.exit_code == 2 and "lifetime" in r.stderr
    bad.write_text("bom,count\nclemm2024-cpu,1\n")
    r = runner.invoke(app, ["fleet", str(bad)])
    assert r.exit_code == 2 and "install_date" in r.stderr
    r = runner.invoke(app, ["fleet", str(bad), "--by", "colour"])
    assert r.exit_code == 2 and "colour" in r.stderr


def test_cli_fleet_table_csv_and_parquet(inventory, tmp_path):
    path = tmp_path / "inventory.csv"
    inventory.to_csv(path, index=False)
    runner = CliRunner()
    r = runner.invoke(app, ["fleet", str(path), "--by", "year,region", "-f", "csv"])
    assert r.exit_code == 0, r.output
    from io import StringIO

    got = pd.read_csv(StringIO(r.stdout))   # not covered: an empty cell, read as NaN
    want = lca.fleet(inventory, by="year,region")
    assert got["region"].tolist() == want["region"].tolist()
    np.testing.assert_allclose(got["value"], want["value"], rtol=1e-12)   # NaN where NaN
    r = runner.invoke(app, ["fleet", str(path), "--by", "year", "--embodied", "amortised"])
    assert r.exit_code == 0 and "amortised" in r.stdout and "manufacturing" in r.stdout
    out = tmp_path / "fleet.parquet"
    r = runner.invoke(app, ["fleet", str(path), "--by", "bom", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert pq.read_table(out).num_rows == len(lca.fleet(inventory, by="bom"))


def test_an_hourly_grid_series_enters_as_its_mean(tmp_path):
    # 8,760 hours: half the year at 0.1, half at 0.5 kgCO2e/kWh -> mean 0.3
    series = tmp_path / "grid.txt"
    series.write_text("# kgCO2e/kWh\n" + "0.1\n" * 4380 + "0.5\n" * 4380)
    hourly = pd.DataFrame({"bom": ["clemm2024-cpu"], "count": [2], "install_date": [2023],
                           "lifetime": [4], "grid_series": [str(series)]})
    flat = hourly.drop(columns="grid_series").assign(grid=[0.3])
    pd.testing.assert_frame_equal(lca.fleet(hourly, by="year"), lca.fleet(flat, by="year"),
                                  check_exact=False, rtol=1e-12)
