"""The parse-and-validate cache of BOM files (lca.cache) and the compiled-model cache."""

import os

import pytest

import lca
from lca import cache
from lca.bom import load_bom

from conftest import MINIMAL_BOM


def operational(path_or_bom) -> float:
    return lca.assess(path_or_bom).operational_per_year.to("kgCO2e/year").magnitude


def test_a_file_is_parsed_once_per_content(write_bom):
    path = write_bom(MINIMAL_BOM)
    assert load_bom(path) is load_bom(path)          # the second call is a cache hit
    assert load_bom(str(path)) is load_bom(path.resolve())


def test_editing_the_file_between_two_calls_invalidates_the_cache(write_bom):
    # 100 W all year (8,760 h) at 0.5 and then 0.4 kgCO2e/kWh: 438 and 350.4 kgCO2e/year
    path = write_bom(MINIMAL_BOM)
    assert operational(path) == pytest.approx(438.0, rel=1e-12)
    stat = path.stat()
    path.write_text(MINIMAL_BOM.replace("grid: 0.5 kgCO2e", "grid: 0.4 kgCO2e"), encoding="utf-8")
    # same size and the same modification time: only the content tells the edit apart
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert path.stat().st_size == stat.st_size
    assert operational(path) == pytest.approx(350.4, rel=1e-12)


def test_assigning_to_a_bom_retires_its_compiled_model(write_bom):
    bom = load_bom(write_bom(MINIMAL_BOM))
    first = cache.compiled(bom)
    assert cache.compiled(bom) is first
    before = operational(bom)
    bom.usage.pue = 1.5
    assert cache.compiled(bom) is not first
    assert operational(bom) == pytest.approx(1.5 * before, rel=1e-12)


def test_an_edit_to_a_cached_bom_is_not_served_for_its_file(write_bom):
    path = write_bom(MINIMAL_BOM)
    shared = load_bom(path)
    shared.lifetime = 1.0
    fresh = load_bom(path)
    assert fresh is not shared and fresh.lifetime == 4.0


def test_a_missing_file_is_still_a_bom_error(tmp_path):
    with pytest.raises(lca.BomError, match="file not found"):
        lca.assess(tmp_path / "absent.yaml")


def test_assessing_does_not_retire_the_parsed_bom():
    """Compiling sets private attributes (the source file) on Bom models; those are no
    edit, so the parsed file stays cached across assessments (a regression once cost a
    full YAML parse, ~20 ms, on every lca.assess(path))."""
    first = lca.load_bom("clemm2024-cpu")
    lca.assess("clemm2024-cpu")
    lca.assess("clemm2024-cpu", lifetime=3)
    assert lca.load_bom("clemm2024-cpu") is first
