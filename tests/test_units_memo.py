"""The unit-conversion memo (lca.units.factor, parse_quantity): pint's magnitudes bit for
bit, pint's errors unchanged, and a warm process that never imports pint."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from lca import bom, registry, units
from lca.errors import NotMultiplicativeError, ParameterError

ROOT = Path(__file__).resolve().parent.parent
BOMS = sorted((ROOT / "data" / "servers").glob("*.yaml"))


def _strings(node):
    """Every string scalar of a parsed YAML document."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


def _reads_as_a_unit(text: str) -> bool:
    try:
        units.check_unit(text)
        return True
    except Exception:  # prose ("45 nm; ACT has no ...") is no unit
        return False


def _shipped_quantities() -> list[str]:
    """The quantity strings of every shipped YAML file (BOMs and data) the fast path reads
    (its unit text is a unit: "8 x 3.84 TB NVMe ..." is a note)."""
    found = set()
    for path in sorted((ROOT / "data").rglob("*.yaml")):
        for text in _strings(YAML(typ="safe").load(path.read_text(encoding="utf-8"))):
            simple = units.parse_quantity(text)
            if simple is not None and _reads_as_a_unit(simple[1]):
                found.add(text)
    return sorted(found)


QUANTITIES = _shipped_quantities()


def test_the_shipped_files_hold_quantities():
    assert len(QUANTITIES) > 50


@pytest.fixture
def memo_dir(tmp_path, monkeypatch):
    """An empty cache folder and an empty memo in memory."""
    monkeypatch.setenv("LCA_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(units, "_memo", None)
    return tmp_path


@pytest.fixture
def pint_only(monkeypatch):
    """The fast path switched off: every quantity is read by pint, as before the memo."""
    monkeypatch.setattr(units, "parse_quantity", lambda text: None)


def test_parse_quantity_reads_simple_quantities_only():
    assert units.parse_quantity("8.12 cm^2") == (8.12, "cm^2")
    assert units.parse_quantity(" 700W ") == (700.0, "W")
    assert units.parse_quantity("-1e3 kgCO2e/kWh") == (-1000.0, "kgCO2e/kWh")
    assert units.parse_quantity("5 µs") == (5.0, "µs")
    for text in ("2", "1/s", "2 * 3 W", "inf W", "nan W", "1e400 W", "9" * 400 + " W", "2eV", ""):
        assert units.parse_quantity(text) is None, text


@pytest.mark.parametrize("text", QUANTITIES, ids=str)
def test_memo_gives_pints_magnitude_bit_for_bit(text):
    number, unit_text = units.parse_quantity(text)
    q = units.ureg.Quantity(text)
    q = units.ureg.Quantity(float(q.magnitude), q.units)   # as lca.bom reads it
    targets = [*units.CANONICAL.values(), str(q.to_root_units().units), unit_text]
    for target in targets:
        try:
            expected = float(units.to_unit(q, target).magnitude)
        except units.pint.DimensionalityError:
            continue
        assert number * units.factor(unit_text, target) == expected, (text, target)


@pytest.mark.parametrize("path", BOMS, ids=[p.stem for p in BOMS])
def test_shipped_boms_load_the_same_with_and_without_the_memo(path, monkeypatch):
    fast = bom.load_bom_file(path).model_dump()
    monkeypatch.setattr(units, "parse_quantity", lambda text: None)
    assert bom.load_bom_file(path).model_dump() == fast


def test_memo_is_kept_in_its_file(memo_dir):
    assert units.factor("TB", "GB") == 1000.0000000000001   # pint's own factor
    stored = json.loads(units._memo_path().read_text(encoding="utf-8"))
    assert stored["factors"]["TB"]["GB"] == 1000.0000000000001


def test_a_corrupt_memo_file_is_ignored(memo_dir):
    path = units._memo_path()
    path.parent.mkdir(parents=True)
    path.write_text('{"factors": {"TB": {"GB": "no"}}, "units": [', encoding="utf-8")
    assert units.factor("TB", "GB") == 1000.0000000000001
    assert json.loads(path.read_text(encoding="utf-8"))["factors"]["TB"]["GB"] == 1000.0000000000001


def test_no_cache_folder_keeps_the_memo_in_memory(monkeypatch):
    monkeypatch.setenv("LCA_CACHE_DIR", "off")
    monkeypatch.setattr(units, "_memo", None)
    assert units._memo_path() is None
    assert units.factor("cm^2", "mm^2") == 100.0
    assert units._memo["factors"]["cm^2"]["mm^2"] == 100.0


def test_errors_are_pints_and_not_remembered(memo_dir):
    with pytest.raises(units.pint.DimensionalityError):
        units.factor("W", "kg")
    with pytest.raises(units.pint.UndefinedUnitError):
        units.factor("flurbs", "kg")
    with pytest.raises(NotMultiplicativeError):   # 2.5 degC is not 2.5 x (1 degC in K)
        units.factor("degC", "K")
    assert units._memo["factors"] == {}


def test_the_reading_rule_only_where_asked(memo_dir):
    assert units.factor("L/kWh", "L_water/kWh") == 1.0
    with pytest.raises(units.pint.DimensionalityError):
        units.factor("L/kWh", "L_water/kWh", read_as=False)


@pytest.mark.parametrize("text", ["5 flurbs", "5 kg", "5 degC", "5", "1e400 cm^2", "5 percent",
                                  "1/0 cm^2", "-1 cm^2"])
def test_bom_errors_are_unchanged(text, monkeypatch):
    def message():
        try:
            return bom._parse_quantity(text, "cm^2", "a die area", "8.12 cm^2")
        except bom._UnitProblem as exc:
            return str(exc)

    fast = message()
    monkeypatch.setattr(units, "parse_quantity", lambda text: None)
    assert message() == fast


@pytest.mark.parametrize("text", ["50 flurbs", "50 kg", "50 gCO2e/kWh", "1e9 gCO2e/kWh"])
def test_registry_errors_are_unchanged(text, monkeypatch):
    def outcome():
        try:
            return registry.to_canonical("grid", text)
        except ParameterError as exc:
            return str(exc)

    fast = outcome()
    monkeypatch.setattr(units, "parse_quantity", lambda text: None)
    assert outcome() == fast


ASSESS = """
import json, os, sys
from lca.cli import main
try:
    main(["assess", "clemm2024-cpu", "--format", "json"])
except SystemExit as exc:
    code = exc.code
sys.stdout.flush()
sys.stderr.write(json.dumps({"code": code, "pint": "pint" in sys.modules,
                             "cli": sorted(m for m in sys.modules if m.startswith("lca.cli_")),
                             "blas": os.environ.get("OPENBLAS_NUM_THREADS")}))
"""


def test_a_warm_process_assesses_without_pint(tmp_path):
    env = {**os.environ, "LCA_CACHE_DIR": str(tmp_path),
           "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    env.pop("OPENBLAS_NUM_THREADS", None)
    runs = [subprocess.run([sys.executable, "-c", ASSESS], capture_output=True, env=env,
                           check=True) for _ in range(2)]
    cold, warm = (json.loads(run.stderr.decode().splitlines()[-1]) for run in runs)
    assert cold["code"] == warm["code"] == 0
    assert cold["pint"] and not warm["pint"]
    assert warm["cli"] == []            # only the module that defines `assess` (lca.cli)
    assert warm["blas"] is None         # numpy's one-thread BLAS pool left no trace
    assert runs[1].stdout == runs[0].stdout
