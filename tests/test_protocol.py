"""The embodied-method protocol (lca.embodied.protocol) has a module of its own: bom, model
and the methods no longer import each other in a loop, and a fault in a factor file is a
DataError when a BOM is compiled, not a KeyError while the model runs."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import lca
from lca import data
from lca.errors import DataError

ROOT = Path(__file__).parents[1]


def _imports(path: Path) -> set[str]:
    """Modules a file imports (relative imports resolved within lca)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = package.split(".")
            if node.level:
                base = base[: len(base) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            out.add(mod)
            out.update(f"{mod}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return out


def test_methods_and_protocol_do_not_import_bom_or_model():
    for path in sorted((ROOT / "lca" / "embodied").glob("*.py")):
        found = _imports(path)
        assert "lca.model" not in found and "lca.bom" not in found, path.name


def test_protocol_imports_alone():
    """Importing the protocol loads neither the model nor the BOM schema."""
    # `import lca.embodied.protocol` runs lca/__init__ first, which imports everything;
    # load the file on its own instead, as a module of a bare package.
    code = ("import importlib.util, sys, types; "
            f"sys.path.insert(0, {str(ROOT)!r}); "
            "pkg = types.ModuleType('lca'); pkg.__path__ = [" + repr(str(ROOT / 'lca')) + "]; "
            "sys.modules['lca'] = pkg; "
            "import lca.embodied.protocol as p; "
            "assert 'lca.model' not in sys.modules and 'lca.bom' not in sys.modules, "
            "sorted(m for m in sys.modules if m.startswith('lca')); print('ok')")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr


def test_every_method_provides_the_protocol():
    from lca.embodied import METHODS, get_method

    for name in METHODS:
        m = get_method(name)
        assert m.NAME == name
        for fn in ("options", "factor_parameters", "term"):
            assert callable(getattr(m, fn)), (name, fn)


@pytest.fixture
def data_copy(tmp_path, monkeypatch):
    """A copy of the shipped data that a test may edit, used by the real loaders."""
    copy = tmp_path / "data"
    shutil.copytree(data.data_dir(), copy)
    from lca import cache

    caches = [data.load_yaml, data.factor_figures]
    for c in caches:
        c.cache_clear()
    cache._compiled.clear()   # compiled models hold the factors read before the edit
    monkeypatch.setattr(data, "data_dir", lambda: copy)
    yield copy
    monkeypatch.undo()
    for c in caches:
        c.cache_clear()
    cache._compiled.clear()


def test_typo_in_a_factor_file_is_a_data_error(data_copy):
    path = data_copy / "factors" / "clemm2024.yaml"
    text = path.read_text(encoding="utf-8")
    assert "\ndram_die:" in text or "  dram_die:" in text
    path.write_text(text.replace("dram_die:", "dram_dye:", 1), encoding="utf-8")
    with pytest.raises(DataError, match="dram_die"):
        lca.assess("clemm2024-cpu")


def test_factor_out_of_the_registrys_bounds_is_a_data_error(data_copy):
    path = data_copy / "factors" / "act2022.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("\nyield:") if "\nyield:" in text else text.index("  yield:")
    head, tail = text[:start], text[start:]
    tail = tail.replace("value: 0.875", "value: 1.875", 1)
    path.write_text(head + tail, encoding="utf-8")
    with pytest.raises(DataError, match="yield"):
        lca.assess("clemm2024-cpu", method="act2022")
