"""Streaming sinks (lca.sinks): Parquet and CSV files of sweeps and Monte Carlo runs."""

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

import lca
from lca import sinks
from lca.cli import app

AXES = {"region": ["DE", "FR", "PL"], "lifetime": [3, 4, 5, 6], "pue": [1.1, 1.5]}


@pytest.fixture(scope="module")
def in_memory():
    return lca.sweep("clemm2024-cpu", **AXES).reset_index(drop=True)


def same_rows(got: pd.DataFrame, want: pd.DataFrame) -> None:
    assert list(got.columns) == list(want.columns)
    assert len(got) == len(want)
    for c in want.columns:
        if want[c].dtype.kind == "f":
            np.testing.assert_array_equal(got[c].to_numpy(float), want[c].to_numpy(float),
                                          err_msg=c)   # bit for bit, NaN where NaN
        else:
            assert got[c].astype(str).tolist() == want[c].astype(str).tolist(), c


def test_parquet_reads_back_row_for_row_in_row_groups(tmp_path, in_memory):
    path = lca.sweep("clemm2024-cpu", out=tmp_path / "s.parquet", chunk_size=5, **AXES)
    meta = pq.ParquetFile(path).metadata
    assert meta.num_rows == 24 and meta.num_row_groups == 5    # 5+5+5+5+4
    same_rows(pq.read_table(path).to_pandas(), in_memory)


def test_parquet_schema_carries_units(tmp_path):
    path = lca.sweep("clemm2024-cpu", out=tmp_path / "s.parquet", **AXES)
    units = sinks.read_units(path)
    assert units["lifetime"] == "year" and units["grid"] == "kgCO2e/kWh"
    assert units["pue"] == "" and units["use_phase_share"] == ""
    assert units["total_kgco2e_per_year"] == "kgCO2e/year"
    assert units["embodied_by_component_kgco2e.cpu"] == "kgCO2e"
    assert "region" not in units
    field = pq.read_schema(path).field("energy_kwh_per_year")
    assert field.metadata[b"unit"] == b"kWh/year"


def test_csv_reads_back_row_for_row(tmp_path, in_memory):
    path = lca.sweep("clemm2024-cpu", out=tmp_path / "s.csv", chunk_size=7, **AXES)
    same_rows(pd.read_csv(path), in_memory)


def test_an_interrupted_parquet_stream_leaves_the_old_file_intact(tmp_path, in_memory):
    path = tmp_path / "s.parquet"
    sinks.write_frames([in_memory], path)
    before = path.read_bytes()

    def frames():
        yield in_memory.iloc[:10]
        raise KeyboardInterrupt   # the user presses Ctrl-C during the second chunk

    with pytest.raises(KeyboardInterrupt):
        sinks.write_frames(frames(), path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["s.parquet"]   # no temporary left


def test_nan_is_null_and_text_is_never_a_formula(tmp_path):
    frame = pd.DataFrame({"name": ["=HYPERLINK(1)", "plain", "-1+2", "@x"],
                          "value_kgco2e": [1.0, np.nan, np.inf, 0.5]})
    csv = sinks.write_frames([frame], tmp_path / "t.csv").read_text()
    assert "'=HYPERLINK(1)" in csv and "'-1+2" in csv and "'@x" in csv and '"plain"' in csv
    assert "nan" not in csv.lower() and "inf" not in csv.lower()
    table = pq.read_table(sinks.write_frames([frame], tmp_path / "t.parquet"))
    assert table.column("value_kgco2e").null_count == 2
    assert table.column("name").to_pylist()[0] == "=HYPERLINK(1)"   # Parquet is data, not a sheet


def test_an_unknown_suffix_is_an_error(tmp_path):
    with pytest.raises(lca.ParameterError, match="unknown output format '.xlsx'"):
        lca.sweep("clemm2024-cpu", out=tmp_path / "s.xlsx", **AXES)
    assert not (tmp_path / "s.xlsx").exists()


def test_cli_sweep_and_mc_write_parquet_and_refuse_unknown_suffixes(tmp_path, in_memory):
    runner = CliRunner()
    out = tmp_path / "s.parquet"
    r = runner.invoke(app, ["sweep", "clemm2024-cpu", "--vary", "region=DE,FR,PL",
                            "--vary", "lifetime=3,4,5,6", "--vary", "pue=1.1,1.5", "-o", str(out)])
    assert r.exit_code == 0, r.output
    same_rows(pq.read_table(out).to_pandas(), in_memory)
    r = runner.invoke(app, ["sweep", "clemm2024-cpu", "--vary", "pue=1.1,1.5",
                            "-o", str(tmp_path / "s.txt")])
    assert r.exit_code == 2 and "unknown output format '.txt'" in r.stderr
    mc = tmp_path / "mc.parquet"
    r = runner.invoke(app, ["mc", "clemm2024-cpu", "-n", "300", "--seed", "1", "-o", str(mc)])
    assert r.exit_code == 0, r.output
    want = lca.monte_carlo("clemm2024-cpu", 300, 1).samples
    same_rows(pq.read_table(mc).to_pandas(), want)
    assert sinks.read_units(mc)["total_kgco2e_per_year"] == "kgCO2e/year"
    r = runner.invoke(app, ["mc", "clemm2024-cpu", "-n", "10", "-o", str(tmp_path / "mc.xls")])
    assert r.exit_code == 2 and "unknown output format" in r.stderr


def test_column_units_follow_the_naming_convention():
    assert sinks.column_unit("operational_kgco2e_per_year") == "kgCO2e/year"
    assert sinks.column_unit("per_functional_unit.total_gco2e") == "gCO2e"
    assert sinks.column_unit("mean_power_w") == "W"
    assert sinks.column_unit("embodied_by_component_kgco2e.other ICs") == "kgCO2e"
    assert sinks.column_unit("region") is None
    assert sinks.column_unit("impacts.water.use") == "L_water"
    assert sinks.column_unit("impacts.gwp.manufacturing.dram") == "kgCO2e"


def test_csv_text_equals_pyarrows_csv_writer(tmp_path):
    """lca builds CSV lines column by column (lca.sinks._csv_lines); the bytes equal
    pyarrow's own CSV writer on the same table: shortest round-trip numbers, -0, tiny
    and huge exponents, empty cells for NaN and infinities, quoted text, neutralised
    formulas in cells and header."""
    import io

    import pyarrow.csv as pcsv

    frame = pd.DataFrame({
        "x": [0.1, -0.0, np.nan, np.inf, 1e-300, 1e20, 3.0, 123456789.125],
        "n": np.arange(8), "ok": [True, False] * 4,
        "label": pd.Categorical(["=x", 'q"t', "a,b", "DE", "+1", "\r", "plain", "x"]),
        "=h": np.linspace(0.0, 1.0, 8)})
    expected = io.BytesIO()
    pcsv.write_csv(sinks.to_arrow(frame, for_csv=True), expected,
                   pcsv.WriteOptions(include_header=True, quoting_style="needed"))
    path = sinks.write_frames([frame], tmp_path / "t.csv")
    assert path.read_bytes() == expected.getvalue()


def test_csv_of_a_sweep_with_distinct_values_equals_the_plain_csv(tmp_path):
    """A cartesian sweep hands the CSV writer each column's distinct values
    (lca.sinks.DistinctChunk: formatted once, then gathered); the file is byte for byte
    the CSV of the same rows written plainly, whatever the chunk size, and lca's
    fingerprint (hashed while writing) matches the file."""
    from lca.io import written_by_lca

    axes = {"region": ["DE", "FR", "US"], "lifetime": [3.0, 4.0, 5.0],
            "pue": np.linspace(1.0, 1.6, 7), "wue": np.linspace(0.0, 2.0, 11)}
    plain = sinks.write_frames([pd.DataFrame(lca.sweep("dgx-h100", **axes))],
                               tmp_path / "plain.csv")
    for chunk in (1, 100, 10**6):
        out = lca.sweep("dgx-h100", out=tmp_path / f"s{chunk}.csv", chunk_size=chunk, **axes)
        assert out.read_bytes() == plain.read_bytes(), chunk
        assert written_by_lca(out)
