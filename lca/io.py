"""Safe file writing for every output lca produces (workbooks, PDFs, PNGs).

Two rules, applied by every writer through :func:`write_atomic`:

* **Atomic writes.** The content goes to a temporary file in the target's own folder
  (``.NAME.XXXX.tmp``), which then replaces the target with ``os.replace``. An export
  that fails or is interrupted midway leaves the target as it was (or absent) and removes
  its temporary file.
* **Overwrite protection.** An existing target is replaced only when the caller passes
  ``force=True`` or when lca wrote it before, recognised by lca's marker: the workbook
  properties *creator* and *last modified by* both ``lca`` (xlsx; a workbook saved since
  in Excel or LibreOffice records its editor and counts as theirs), the document
  information entry ``/Creator (lca ...)`` (PDF), or a PNG text chunk ``Source: lca``.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from pathlib import Path
from typing import Callable
from xml.etree import ElementTree

from .errors import OverwriteError

#: The creator name lca writes into every file it produces.
CREATOR = "lca"

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_DC = "{http://purl.org/dc/elements/1.1/}creator"
_CP_LAST = ("{http://schemas.openxmlformats.org/package/2006/metadata/core-properties}"
            "lastModifiedBy")


def _xlsx_authors(path: Path) -> tuple[str | None, str | None]:
    """(creator, last modified by) of a workbook's core properties."""
    try:
        with zipfile.ZipFile(path) as zf:
            root = ElementTree.fromstring(zf.read("docProps/core.xml"))
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, OSError):
        return None, None

    def text(tag: str) -> str | None:
        node = root.find(tag)
        return None if node is None else (node.text or "")

    return text(_DC), text(_CP_LAST)


def _pdf_creator_is_lca(path: Path) -> bool:
    # The document information dictionary sits near the end of the file; matplotlib
    # writes it as a literal string.
    try:
        with path.open("rb") as fh:
            if fh.read(5) != b"%PDF-":
                return False
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - 65536))
            tail = fh.read()
    except OSError:
        return False
    return f"/Creator ({CREATOR} ".encode() in tail or f"/Creator ({CREATOR})".encode() in tail


def _png_source_is_lca(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            if fh.read(8) != _PNG_SIGNATURE:
                return False
            while True:
                head = fh.read(8)
                if len(head) < 8:
                    return False
                length = int.from_bytes(head[:4], "big")
                kind = head[4:]
                if kind == b"IDAT" or kind == b"IEND":
                    return False  # text chunks written by lca come before the image data
                body = fh.read(length)
                fh.read(4)  # CRC
                if kind == b"tEXt" and body == b"Source\x00" + CREATOR.encode():
                    return True
    except OSError:
        return False


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def written_by_lca(path: str | Path) -> bool:
    """Whether ``path`` is a file lca wrote (xlsx, pdf or png carrying lca's marker)."""
    path = Path(path)
    if not path.is_file():
        return False
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        # Excel and LibreOffice keep the creator but record who saved the file last: a
        # workbook a person has edited and saved since is theirs, not lca's.
        return _xlsx_authors(path) == (CREATOR, CREATOR)
    if suffix == ".pdf":
        return _pdf_creator_is_lca(path)
    if suffix == ".png":
        return _png_source_is_lca(path)
    return False


def check_target(path: str | Path, force: bool = False) -> Path:
    """Raise :class:`OverwriteError` when ``path`` exists, ``force`` is false and lca did
    not write it. Returns the path."""
    path = Path(path)
    if path.is_dir():
        raise OverwriteError(f"{path}: is a folder, expected a file name")
    if path.exists() and not force and not written_by_lca(path):
        raise OverwriteError(f"{path}: exists and was not written by lca; "
                             "use --force (force=True) to overwrite it")
    return path


def write_atomic(path: str | Path, write: Callable[[Path], None], *, force: bool = False) -> Path:
    """Write a file atomically: ``write(tmp)`` fills a temporary file in the target's
    folder, which then replaces ``path``. On any exception (including KeyboardInterrupt)
    the temporary file is removed and the target is left untouched.

    The folder is created when missing. Overwriting follows :func:`check_target`.
    """
    path = check_target(path, force)
    folder = path.parent if str(path.parent) else Path(".")
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual mode
        os.replace(tmp, path)
    except BaseException:
        try:
            tmp.unlink()
        except FileNotFoundError:
            pass
        raise
    return path


__all__ = ["CREATOR", "written_by_lca", "check_target", "write_atomic"]
