"""lca.io: atomic writes, content fingerprints, special files, a full disk, stale
temporary files, CSV injection and JSON without NaN (issue 10, items 5 and 6)."""

from __future__ import annotations

import csv
import io
import json
import math
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from PIL import Image

from lca.errors import NonFiniteError, OutputError, OverwriteError
from lca.io import (FINGERPRINT_PLACEHOLDER, FORMULA_TRIGGERS, PDF_FINGERPRINT_KEY,
                    check_target, clean_stale_temps, csv_text, dumps_json, frame_records,
                    neutralise, write_atomic, write_text, written_by_lca)

# --- fingerprints: "lca wrote this" is decided by the content ---------------------------


def test_text_file_fingerprint(tmp_path):
    target = tmp_path / "out.csv"
    write_text(target, "a,b\r\n1,2\r\n")
    assert written_by_lca(target)
    write_text(target, "a,b\r\n3,4\r\n")  # lca's own file: replaced without force
    assert target.read_bytes() == b"a,b\r\n3,4\r\n"
    with target.open("a") as fh:  # edited in place by someone (same name, same folder)
        fh.write("5,6\r\n")
    assert not written_by_lca(target)
    with pytest.raises(OverwriteError):
        write_text(target, "new\r\n")
    assert target.read_bytes().endswith(b"5,6\r\n")
    write_text(target, "new\r\n", force=True)
    assert target.read_bytes() == b"new\r\n" and written_by_lca(target)


def test_a_file_of_the_same_content_elsewhere_is_not_lcas(tmp_path):
    write_text(tmp_path / "a.json", "{}\n")
    (tmp_path / "b.json").write_text("{}\n")  # the same bytes, written by someone else
    assert written_by_lca(tmp_path / "a.json") and not written_by_lca(tmp_path / "b.json")


def _png(tmp: Path) -> None:
    Image.new("RGB", (8, 8), (200, 30, 30)).save(tmp, format="PNG")


def _pdf(tmp: Path) -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Unknown infodict keyword")
        with PdfPages(tmp, metadata={"Creator": "lca",
                                     PDF_FINGERPRINT_KEY: FINGERPRINT_PLACEHOLDER}) as doc:
            doc.savefig(Figure(figsize=(2, 2)))


def test_png_and_pdf_fingerprints(tmp_path):
    png, pdf = tmp_path / "p.png", tmp_path / "d.pdf"
    write_atomic(png, _png)
    write_atomic(pdf, _pdf)
    assert written_by_lca(png) and written_by_lca(pdf)
    assert Image.open(png).size == (8, 8)  # still a valid PNG
    import pypdf

    assert len(pypdf.PdfReader(pdf).pages) == 1  # still a valid PDF
    # an edit: the image changed, or an incremental update appended to the PDF
    im = Image.open(png)
    im.putpixel((0, 0), (0, 0, 0))
    im.save(png)
    with pdf.open("ab") as fh:
        fh.write(b"\n% an annotation saved incrementally\n%%EOF\n")
    assert not written_by_lca(png) and not written_by_lca(pdf)
    with pytest.raises(OverwriteError):
        write_atomic(pdf, _pdf)


def test_xlsx_edited_with_openpyxl_is_refused(tmp_path):
    """A LibreOffice-style edit (open, change a cell, save) keeps "last modified by: lca"
    in the workbook properties, but no longer matches lca's fingerprint."""
    import openpyxl
    from typer.testing import CliRunner

    from lca.cli import app

    book = tmp_path / "book.xlsx"
    runner = CliRunner()
    r = runner.invoke(app, ["export", "clemm2024-cpu", "-o", str(book)])
    assert r.exit_code == 0, r.output
    assert written_by_lca(book)
    r = runner.invoke(app, ["export", "clemm2024-cpu", "-o", str(book), "--lifetime", "4"])
    assert r.exit_code == 0, r.output  # lca's own workbook: replaced without --force
    wb = openpyxl.load_workbook(book)
    wb["Summary"]["A2"] = "my edit"
    wb.save(book)
    edited = openpyxl.load_workbook(book)
    assert edited.properties.lastModifiedBy == "lca"  # the name an editor keeps
    r = runner.invoke(app, ["export", "clemm2024-cpu", "-o", str(book)])
    assert r.exit_code == 2
    assert r.stderr.startswith("lca: error:") and "--force" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert openpyxl.load_workbook(book)["Summary"]["A2"].value == "my edit"  # edit intact


# --- special files ------------------------------------------------------------------------


def test_symlink_is_never_replaced(tmp_path):
    real = tmp_path / "real.csv"
    write_text(real, "lca's\r\n")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    dangling = tmp_path / "dangling.csv"
    dangling.symlink_to(tmp_path / "nowhere.csv")
    for target in (link, dangling):
        for force in (False, True):
            with pytest.raises(OutputError, match="symbolic link"):
                write_text(target, "new\r\n", force=force)
    assert link.is_symlink() and dangling.is_symlink()
    assert real.read_bytes() == b"lca's\r\n"
    assert not (tmp_path / "nowhere.csv").exists()


def test_fifo_is_written_through(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    write_text(fifo, "through the pipe\n")
    reader.join(timeout=30)
    assert got == [b"through the pipe\n"]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)  # still a FIFO, not a regular file
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]


def test_character_device_is_written_through():
    write_text("/dev/null", "discarded\n")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_folder_is_refused(tmp_path):
    with pytest.raises(OutputError, match="folder"):
        check_target(tmp_path)


# --- a full disk ------------------------------------------------------------------------


@pytest.fixture
def tiny_disk(tmp_path):
    """A real 64 KiB tmpfs (needs root; skipped elsewhere)."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)],
                       capture_output=True)
    if r.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    yield mount
    if subprocess.run(["umount", str(mount)], capture_output=True).returncode != 0:
        # a writer that failed mid-stream may still hold a descriptor in this process
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_full_disk_is_one_error_and_no_partial_file(tiny_disk):
    old = tiny_disk / "out.csv"
    write_text(old, "small\r\n")
    big = "x" * (256 * 1024)
    for target in (tiny_disk / "new.csv", old):
        with pytest.raises(OutputError) as exc:
            write_text(target, big)
        message = str(exc.value)
        assert message.startswith(str(target)) and "no space left" in message
        assert "\n" not in message
    assert sorted(p.name for p in tiny_disk.iterdir()) == ["out.csv"]
    assert old.read_bytes() == b"small\r\n"


def test_full_disk_from_the_cli(tiny_disk):
    from typer.testing import CliRunner

    from lca.cli import app

    out = tiny_disk / "s.csv"
    r = CliRunner().invoke(app, ["sweep", "clemm2024-cpu", "--vary", "grid=0:1:20000",
                                 "-o", str(out)])
    assert r.exit_code == 2
    assert r.stderr.startswith(f"lca: error: {out}: cannot write: no space left")
    assert len(r.stderr.strip().splitlines()) == 1
    assert list(tiny_disk.iterdir()) == []


# --- temporary files left by a killed process -------------------------------------------


def test_stale_temporary_files_are_cleaned(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    import socket

    host = "".join(c for c in socket.gethostname() if c.isalnum())[:32]
    stale = tmp_path / f".out.csv.lca-{host}-{dead.pid}-abc123.tmp"
    live = tmp_path / f".out.csv.lca-{host}-{os.getpid()}-def456.tmp"
    other_host = tmp_path / f".out.csv.lca-elsewhere-{dead.pid}-ghi789.tmp"
    for p in (stale, live, other_host):
        p.write_text("partial")
    write_text(tmp_path / "out.csv", "done\r\n")
    names = sorted(p.name for p in tmp_path.iterdir())
    assert stale.name not in names
    assert live.name in names and other_host.name in names  # not ours to remove
    assert clean_stale_temps(tmp_path) == []


def test_interrupted_write_leaves_target_and_no_temp(tmp_path):
    target = tmp_path / "out.json"
    write_text(target, "old\n")

    def interrupted(tmp):
        tmp.write_text("half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, interrupted)
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]
    assert target.read_text() == "old\n"


def _dataset(folder: Path, text: str):
    """A write_dataset fill: one file, then the marker write_dataset adds."""
    (folder / "part-000000.parquet").write_text(text)
    yield folder


def test_a_dataset_replaces_its_old_self_and_leaves_no_temp(tmp_path):
    from lca.whatif.engines import write_dataset

    out = tmp_path / "rows"
    write_dataset(out, lambda d: _dataset(d, "old"), ".mark")
    write_dataset(out, lambda d: _dataset(d, "new"), ".mark")
    assert [p.name for p in tmp_path.iterdir()] == ["rows"]
    assert (out / "part-000000.parquet").read_text() == "new"
    assert sorted(p.name for p in out.iterdir()) == [".mark", "part-000000.parquet"]


@pytest.mark.parametrize("fails_at", ["fill", "move"])
def test_a_failed_dataset_write_leaves_the_old_dataset_and_no_temp(tmp_path, monkeypatch,
                                                                   fails_at):
    """Ctrl-C while the new rows are written, or a full disk when the new folder is moved
    in after the old one was set aside: the old folder is back under its name."""
    from lca.whatif.engines import write_dataset

    out = tmp_path / "rows"
    write_dataset(out, lambda d: _dataset(d, "old"), ".mark")

    def fill(folder):
        yield from _dataset(folder, "new")
        if fails_at == "fill":
            raise KeyboardInterrupt

    real_replace = os.replace

    def replace(src, dst):
        if Path(dst) == out and ".old." not in Path(src).name:  # the new folder moving in
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    if fails_at == "move":
        monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(KeyboardInterrupt if fails_at == "fill" else OutputError):
        write_dataset(out, fill, ".mark")
    assert [p.name for p in tmp_path.iterdir()] == ["rows"]
    assert (out / "part-000000.parquet").read_text() == "old"


# --- CSV injection ----------------------------------------------------------------------

NASTY = ['=HYPERLINK("http://x")', "+1", "-1", "@x", "\tcmd", "\rcr", "a\rb", "line\nbreak",
         "plain", "it's \"quoted\", with a comma"]


def test_neutralise_follows_owasp():
    for text in NASTY:
        safe = neutralise(text)
        assert (safe == "'" + text) == text.startswith(FORMULA_TRIGGERS)
    assert neutralise("plain") == "plain"


def test_csv_text_reads_back_with_the_csv_module():
    frame = pd.DataFrame({"name": NASTY, "value": np.linspace(-1.5, 2.5, len(NASTY))})
    frame["=sum(A1)"] = 1  # a column name is a cell too
    text = csv_text(frame)
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == ["name", "value", "'=sum(A1)"]
    assert len(rows) == len(NASTY) + 1  # a CR or LF inside a name never splits a row
    for row, name, value in zip(rows[1:], NASTY, frame["value"]):
        assert row[0] == neutralise(name)
        assert float(row[1]) == value  # numbers stay numbers, "-1.5" too
        assert row[2] == "1"


def test_index_labels_are_neutralised():
    frame = pd.DataFrame({"x": [1.0, 2.0]}, index=pd.Index(["@a", "b"], name="-m"))
    rows = list(csv.reader(io.StringIO(csv_text(frame, index=True), newline="")))
    assert rows == [["'-m", "x"], ["'@a", "1.0"], ["b", "2.0"]]


# --- JSON never carries NaN or Infinity ---------------------------------------------------


def _strict(text: str):
    def refuse(token):
        raise AssertionError(f"{token} in JSON")
    return json.loads(text, parse_constant=refuse)


def test_dumps_json_refuses_nan_and_infinity():
    for bad in (math.nan, math.inf, -math.inf, np.float64("nan"), np.float32("inf")):
        with pytest.raises(NonFiniteError) as exc:
            dumps_json({"rows": [{"total_kgco2e_per_year": bad}]})
        assert "rows[0].total_kgco2e_per_year" in str(exc.value)
    out = _strict(dumps_json({"embodied_by_component_kgco2e": {"ssd": math.nan},
                              "n": np.int64(3), "x": np.float32(0.5), "a": np.arange(2)}))
    assert out == {"embodied_by_component_kgco2e": {"ssd": None}, "n": 3, "x": 0.5,
                   "a": [0, 1]}
    with pytest.raises(NonFiniteError):  # an infinite component is not "not covered"
        dumps_json({"embodied_by_component_kgco2e": {"ssd": math.inf}})


def test_frame_records_checks_columns():
    frame = pd.DataFrame({"grid": [0.1, 0.2], "embodied_by_component_kgco2e.ssd":
                          [np.nan, np.nan], "total_kgco2e_per_year": [1.0, 2.0]})
    recs = frame_records(frame)
    assert recs[1] == {"grid": 0.2, "embodied_by_component_kgco2e.ssd": None,
                       "total_kgco2e_per_year": 2.0}
    frame.loc[1, "total_kgco2e_per_year"] = np.inf
    with pytest.raises(NonFiniteError, match=r"\[1\]\.total_kgco2e_per_year"):
        frame_records(frame)


def test_file_hash_streams_in_blocks_with_patches(tmp_path, monkeypatch):
    """The fingerprint hash reads a file in blocks (bounded memory for gigabyte
    streams); a patch that straddles block edges and a stop offset give the hash of
    the bytes patched by hand."""
    import hashlib

    from lca import io as lio

    data = bytes(range(256)) * 3
    path = tmp_path / "f.bin"
    path.write_bytes(data)
    monkeypatch.setattr(lio, "_HASH_BLOCK", 7)
    patched = bytearray(data)
    patched[5:25] = b"P" * 20
    assert lio._sha256_file(path) == hashlib.sha256(data).hexdigest()
    assert lio._sha256_file(path, {5: b"P" * 20}) == hashlib.sha256(patched).hexdigest()
    assert lio._sha256_file(path, stop=100) == hashlib.sha256(data[:100]).hexdigest()
    assert lio._sha256_file(path, {95: b"PPPPPPPPPP"}, stop=100) == \
        hashlib.sha256(data[:95] + b"PPPPP").hexdigest()
