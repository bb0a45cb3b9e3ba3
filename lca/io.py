"""Safe file writing for every output lca produces (workbooks, PDFs, PNGs, CSV, JSON).

Every writer goes through :func:`write_atomic`, which applies these rules:

* **Atomic writes.** The content goes to a temporary file in the target's own folder
  (``.NAME.lca-HOST-PID-XXXX.tmp``), which then replaces the target with ``os.replace``.
  An export that fails or is interrupted midway leaves the target as it was (or absent)
  and removes its temporary file. A process killed outright (SIGKILL, power loss) cannot
  clean up; its temporary file names the host and process id, and the next write into
  that folder removes the temporary files of processes that are no longer running.
* **Overwrite protection by fingerprint.** An existing target is replaced only when the
  caller passes ``force=True`` or when it still holds exactly what lca wrote. When lca
  writes a file it stores the SHA-256 of the content (see :func:`written_by_lca`):

  - xlsx (a zip package): in the zip archive comment ``lca-sha256:<hex>``, a hash of
    every byte before it;
  - PDF: in the document information entry ``/LcaSha256 (<hex>)``, a hash of the file
    with that entry's value set to zeros;
  - PNG: in a text chunk ``lca-sha256`` right after the header, a hash of the file
    with that chunk's text set to zeros;
  - anything else (CSV, JSON, text): in a small record in lca's state folder
    (``$LCA_STATE_DIR``, else ``$XDG_STATE_HOME/lca/written``, else
    ``~/.local/state/lca/written``), keyed by the file's absolute path.

  A file saved since by Excel, LibreOffice or openpyxl, an editor, or anything else no
  longer matches its fingerprint and counts as the user's.
* **Special files.** A symbolic link, a block device or a socket at the target is never
  replaced (:class:`lca.errors.OutputError`). A FIFO or a character device
  (``/dev/null``, a terminal) is written through: the content is streamed into it.
* **Failures name the target.** An operating-system error while writing (a full disk,
  a read-only folder) becomes :class:`lca.errors.OutputError` naming the target, with no
  partial file left.

It also holds the two serialisers every text output uses: :func:`csv_text` /
:func:`write_csv` (CSV injection neutralised) and :func:`dumps_json` (never NaN or
Infinity).
"""

from __future__ import annotations

import contextlib
import csv
import errno
import hashlib
import json
import math
import os
import re
import shutil
import signal
import socket
import stat
import tempfile
import threading
import zlib
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Callable, Iterator

from .errors import NonFiniteError, OutputError, OverwriteError

#: The creator name lca writes into every file it produces.
CREATOR = "lca"

#: Key of the PDF document information entry that carries lca's fingerprint. A PDF
#: writer puts ``{PDF_FINGERPRINT_KEY: FINGERPRINT_PLACEHOLDER}`` into its metadata;
#: :func:`write_atomic` replaces the zeros by the hash.
PDF_FINGERPRINT_KEY = "LcaSha256"
#: Keyword of the PNG text chunk that carries lca's fingerprint.
PNG_FINGERPRINT_KEY = b"lca-sha256"
#: Stands in for the 64 hex digits of a SHA-256 while it is computed.
FINGERPRINT_PLACEHOLDER = "0" * 64
_ZIP_COMMENT_PREFIX = b"lca-sha256:"

#: Text cells that a spreadsheet would read as a formula or a command (OWASP, "CSV
#: Injection"): a cell starting with one of these is written with a leading ``'``.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
#: CSV line ending: RFC 4180's CRLF. With it, Python's csv writer quotes every field
#: that holds a CR or a LF, so a line break inside a name never splits a row.
CSV_LINE_END = "\r\n"

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_ZIP_EOCD = b"PK\x05\x06"
_ZIP_EOCD_SIZE = 22
#: The PDF information dictionary sits near the end of a matplotlib PDF.
_PDF_TAIL = 65536
_HASH_BLOCK = 1 << 20
if TYPE_CHECKING:  # pandas and numpy are imported on use: `import lca.io` stays cheap
    import pandas as pd

_TEMP_RE = re.compile(r"^\..+\.lca-(?P<host>[A-Za-z0-9]*)-(?P<pid>\d+)-[^.]+\.tmp$")


# --- temporary files ----------------------------------------------------------------------

def _host_tag() -> str:
    return re.sub(r"[^A-Za-z0-9]", "", socket.gethostname())[:32]


def _temp_prefix(name: str) -> str:
    return f".{name}.lca-{_host_tag()}-{os.getpid()}-"


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # exists (another user's process) or cannot tell: keep the file
    return True


def clean_stale_temps(folder: str | Path) -> list[Path]:
    """Remove the temporary files lca left in ``folder`` when a process writing there
    was killed (their process on this host no longer runs). Returns what was removed."""
    removed = []
    host = _host_tag()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        m = _TEMP_RE.match(entry.name)
        if not m or m["host"] != host or _pid_alive(int(m["pid"])):
            continue
        try:
            if entry.is_file(follow_symlinks=False):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
            elif entry.is_dir(follow_symlinks=False):  # a Parquet dataset's folder
                shutil.rmtree(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            pass
    return removed


# --- fingerprints -------------------------------------------------------------------------

def _sha256_file(path: Path, patches: dict[int, bytes] | None = None,
                 stop: int | None = None) -> str:
    """SHA-256 of a file's bytes (up to ``stop``), with ``patches`` (offset -> bytes)
    applied first. Read in blocks of ``_HASH_BLOCK`` bytes: memory stays bounded
    whatever the file's size (a streamed sweep can write gigabytes)."""
    h = hashlib.sha256()
    at = 0
    with path.open("rb") as fh:
        while stop is None or at < stop:
            block = fh.read(_HASH_BLOCK if stop is None else min(_HASH_BLOCK, stop - at))
            if not block:
                break
            if patches:
                block = _patched(block, at, patches)
            h.update(block)
            at += len(block)
    return h.hexdigest()


def _patched(block: bytes, at: int, patches: dict[int, bytes]) -> bytes:
    """``block`` (the file's bytes from offset ``at``) with the parts of ``patches``
    (offset -> bytes) that fall inside it applied."""
    buf = None
    end = at + len(block)
    for offset, patch in patches.items():
        lo, hi = max(offset, at), min(offset + len(patch), end)
        if lo < hi:
            buf = buf if buf is not None else bytearray(block)
            buf[lo - at:hi - at] = patch[lo - offset:hi - offset]
    return block if buf is None else bytes(buf)


def _zip_seal(tmp: Path) -> bool:
    """Append the fingerprint as the zip archive comment (the file must have none)."""
    size = tmp.stat().st_size
    with tmp.open("r+b") as fh:
        fh.seek(size - _ZIP_EOCD_SIZE)
        eocd = fh.read(_ZIP_EOCD_SIZE)
        if eocd[:4] != _ZIP_EOCD or eocd[20:22] != b"\x00\x00":
            return False
    digest = _sha256_file(tmp, stop=size - 2)
    comment = _ZIP_COMMENT_PREFIX + digest.encode()
    with tmp.open("r+b") as fh:
        fh.seek(size - 2)
        fh.write(len(comment).to_bytes(2, "little") + comment)
    return True


def _zip_verify(path: Path) -> bool:
    comment_len = len(_ZIP_COMMENT_PREFIX) + 64
    size = path.stat().st_size
    eocd_at = size - _ZIP_EOCD_SIZE - comment_len
    if eocd_at < 0:
        return False
    with path.open("rb") as fh:
        fh.seek(eocd_at)
        tail = fh.read()
    if (tail[:4] != _ZIP_EOCD or int.from_bytes(tail[20:22], "little") != comment_len
            or not tail[22:].startswith(_ZIP_COMMENT_PREFIX)):
        return False
    stored = tail[22 + len(_ZIP_COMMENT_PREFIX):].decode("ascii", "replace")
    return stored == _sha256_file(path, stop=eocd_at + 20)


def _pdf_slot(path: Path) -> tuple[int, str] | None:
    """(offset, value) of lca's fingerprint entry in a PDF, searched in its tail."""
    size = path.stat().st_size
    start = max(0, size - _PDF_TAIL)
    with path.open("rb") as fh:
        fh.seek(start)
        tail = fh.read()
    key = f"/{PDF_FINGERPRINT_KEY} (".encode()
    at = tail.rfind(key)
    if at < 0:
        return None
    offset = start + at + len(key)
    value = tail[at + len(key):at + len(key) + 64].decode("ascii", "replace")
    return offset, value


def _pdf_seal(tmp: Path) -> bool:
    slot = _pdf_slot(tmp)
    if slot is None or slot[1] != FINGERPRINT_PLACEHOLDER:
        return False
    digest = _sha256_file(tmp)
    with tmp.open("r+b") as fh:
        fh.seek(slot[0])
        fh.write(digest.encode())
    return True


def _pdf_verify(path: Path) -> bool:
    slot = _pdf_slot(path)
    if slot is None:
        return False
    offset, stored = slot
    return stored == _sha256_file(path, {offset: FINGERPRINT_PLACEHOLDER.encode()})


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return (len(body).to_bytes(4, "big") + kind + body
            + zlib.crc32(kind + body).to_bytes(4, "big"))


def _png_fingerprint_chunk(value: str) -> bytes:
    return _png_chunk(b"tEXt", PNG_FINGERPRINT_KEY + b"\x00" + value.encode())


def _png_chunks(data: bytes) -> list[tuple[int, int, bytes, bytes]]:
    """(start, end, kind, body) of each chunk of a PNG."""
    chunks, at = [], len(_PNG_SIGNATURE)
    while at + 8 <= len(data):
        length = int.from_bytes(data[at:at + 4], "big")
        kind = data[at + 4:at + 8]
        end = at + 12 + length
        chunks.append((at, end, kind, data[at + 8:at + 8 + length]))
        at = end
        if kind == b"IEND":
            break
    return chunks


def _png_seal(tmp: Path) -> bool:
    data = tmp.read_bytes()
    chunks = _png_chunks(data)
    if not chunks or chunks[0][2] != b"IHDR":
        return False
    head, rest = data[:chunks[0][1]], data[chunks[0][1]:]
    digest = hashlib.sha256(head + _png_fingerprint_chunk(FINGERPRINT_PLACEHOLDER)
                            + rest).hexdigest()
    tmp.write_bytes(head + _png_fingerprint_chunk(digest) + rest)
    return True


def _png_verify(path: Path) -> bool:
    data = path.read_bytes()
    chunks = _png_chunks(data)
    if len(chunks) < 2 or chunks[0][2] != b"IHDR":
        return False
    start, end, kind, body = chunks[1]
    prefix = PNG_FINGERPRINT_KEY + b"\x00"
    if kind != b"tEXt" or not body.startswith(prefix):
        return False
    stored = body[len(prefix):].decode("ascii", "replace")
    placeholder = data[:start] + _png_fingerprint_chunk(FINGERPRINT_PLACEHOLDER) + data[end:]
    return stored == hashlib.sha256(placeholder).hexdigest()


def state_dir() -> Path:
    """Where lca keeps the fingerprints of the plain files it wrote (CSV, JSON, text)."""
    if os.environ.get("LCA_STATE_DIR"):
        return Path(os.environ["LCA_STATE_DIR"])
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"),
                                                             ".local", "state")
    return Path(base) / "lca" / "written"


def _record_path(path: Path) -> Path:
    key = hashlib.sha256(os.fsencode(os.path.abspath(path))).hexdigest()[:40]
    return state_dir() / key


def _record(path: Path, digest: str) -> None:
    """Remember that lca wrote ``path`` with content hash ``digest`` (best effort: a
    state folder that cannot be written only means --force is needed next time)."""
    record = _record_path(path)
    text = json.dumps({"path": os.path.abspath(path), "sha256": digest,
                       "size": path.stat().st_size})
    try:
        record.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=_temp_prefix(record.name), suffix=".tmp",
                                   dir=record.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, record)
    except OSError:
        pass


def _record_verify(path: Path) -> bool:
    try:
        rec = json.loads(_record_path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(rec, dict) or rec.get("path") != os.path.abspath(path):
        return False
    if rec.get("size") != path.stat().st_size:
        return False
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(_HASH_BLOCK), b""):
            h.update(block)
    return rec.get("sha256") == h.hexdigest()


def _kind(path: Path) -> str:
    with path.open("rb") as fh:
        head = fh.read(8)
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head == _PNG_SIGNATURE:
        return "png"
    return "other"


def _seal(tmp: Path) -> bool:
    """Store the fingerprint inside ``tmp`` where its format allows; False when it must
    be recorded in the state folder instead."""
    kind = _kind(tmp)
    if kind == "zip":
        return _zip_seal(tmp)
    if kind == "pdf":
        return _pdf_seal(tmp)
    if kind == "png":
        return _png_seal(tmp)
    return False


def written_by_lca(path: str | Path) -> bool:
    """Whether ``path`` is a regular file that still holds exactly what lca wrote there
    (its content matches the fingerprint lca stored; see the module docstring)."""
    path = Path(path)
    try:
        if path.is_symlink() or not path.is_file():
            return False
        kind = _kind(path)
        if kind == "zip" and _zip_verify(path):
            return True
        if kind == "pdf" and _pdf_verify(path):
            return True
        if kind == "png" and _png_verify(path):
            return True
        return _record_verify(path)
    except OSError:
        return False


# --- targets ------------------------------------------------------------------------------

def _is_stream(path: Path) -> bool:
    """A FIFO or a character device: written through, never replaced."""
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISCHR(mode)


def existing_mode(path: Path, instead: Callable[[], str]) -> int | None:
    """The mode of what exists at ``path`` (None: nothing), for a writer deciding whether
    it may replace it: an :class:`OutputError` when it cannot be examined, or when it is a
    symbolic link (lca never replaces or writes through one; ``instead()`` says what to
    name)."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from None
    if stat.S_ISLNK(mode):
        raise OutputError(f"{path}: is a symbolic link; lca never replaces or writes "
                          f"through one: name {instead()}")
    return mode


def check_target(path: str | Path, force: bool = False) -> Path:
    """Raise when ``path`` must not be written: an :class:`OutputError` for a folder,
    a symbolic link, a block device or a socket (never replaced, even with ``force``),
    an :class:`OverwriteError` for an existing file that lca did not write, unless
    ``force``. A FIFO or a character device passes (it is written through). Returns the
    path."""
    path = Path(path)
    mode = existing_mode(path, lambda: f"the file it points to ({os.readlink(path)}) or "
                                       "another file")
    if mode is None:
        return path
    if stat.S_ISDIR(mode):
        raise OutputError(f"{path}: is a folder, expected a file name")
    if stat.S_ISBLK(mode) or stat.S_ISSOCK(mode):
        what = "a block device" if stat.S_ISBLK(mode) else "a socket"
        raise OutputError(f"{path}: is {what}; lca writes regular files, FIFOs and "
                          "character devices only")
    if stat.S_ISREG(mode) and not force and not written_by_lca(path):
        raise OverwriteError(f"{path}: exists and was not written by lca (or was changed "
                             "since); use --force (force=True) to overwrite it")
    return path


@contextlib.contextmanager
def no_interrupts():
    """Hold off Ctrl-C while a temporary file is removed: a second SIGINT (or one a
    library re-raises, as pyarrow does after cancelling) must not cut the cleanup
    short. Pending interrupts are dropped; the one being handled goes on."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _output_error(path: Path, exc: OSError) -> OutputError:
    reason = exc.strerror or str(exc)
    if exc.errno == errno.ENOSPC:
        reason = "no space left on the device"
    return OutputError(f"{path}: cannot write: {reason}; nothing was written")


@contextlib.contextmanager
def temporary_beside(path: Path, *, folder: bool = False) -> Iterator[Path]:
    """A new temporary file (``folder=True``: an empty folder) in ``path``'s folder, named
    ``.NAME.lca-HOST-PID-XXXX.tmp`` so that :func:`clean_stale_temps` removes it after a
    killed process. When the block ends without having moved it away (an error,
    Ctrl-C), it is removed, with Ctrl-C held off meanwhile. The folder is created when
    missing and its stale temporaries removed first; an operating-system error inside
    the block is an :class:`OutputError` naming ``path``."""
    parent = path.parent if str(path.parent) else Path(".")
    tmp: Path | None = None
    try:
        parent.mkdir(parents=True, exist_ok=True)
        clean_stale_temps(parent)
        if folder:
            tmp = Path(tempfile.mkdtemp(prefix=_temp_prefix(path.name), suffix=".tmp",
                                        dir=parent))
        else:
            fd, name = tempfile.mkstemp(prefix=_temp_prefix(path.name), suffix=".tmp",
                                        dir=parent)
            os.close(fd)
            tmp = Path(name)
        yield tmp
    except OSError as exc:
        raise _output_error(path, exc) from None
    finally:
        if tmp is not None and os.path.lexists(tmp):
            with no_interrupts():
                if folder:
                    shutil.rmtree(tmp, ignore_errors=True)
                else:
                    tmp.unlink(missing_ok=True)


def _write_through(path: Path, write: Callable[[Path], None]) -> Path:
    """Write to a temporary file in the system's temporary folder, then stream it into
    the FIFO or character device ``path``."""
    folder = Path(tempfile.gettempdir())
    clean_stale_temps(folder)
    fd, tmp_name = tempfile.mkstemp(prefix=_temp_prefix(path.name), suffix=".tmp",
                                    dir=folder)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        out = os.open(path, os.O_WRONLY)
        with tmp.open("rb") as src, os.fdopen(out, "wb") as dst:
            shutil.copyfileobj(src, dst)
    except OSError as exc:
        raise _output_error(path, exc) from None
    finally:
        try:
            tmp.unlink()
        except FileNotFoundError:
            pass
    return path


def write_atomic(path: str | Path, write: Callable[[Path], None], *, force: bool = False,
                 hashed: "Any | None" = None) -> Path:
    """Write a file atomically: ``write(tmp)`` fills a temporary file in the target's
    folder, which then gets lca's fingerprint and replaces ``path``. On any exception
    (including KeyboardInterrupt) the temporary file is removed and the target is left
    untouched; an operating-system error (a full disk, a read-only folder) is raised as
    :class:`OutputError` naming ``path``.

    The folder is created when missing. Overwriting follows :func:`check_target`; a FIFO
    or character device is written through. Temporary files that killed lca processes
    left in the folder are removed first (:func:`clean_stale_temps`).

    ``hashed``: a ``hashlib.sha256()`` object that ``write`` fed every byte it wrote,
    in order (a streaming writer hashes its buffers as it writes them), so the file
    need not be read again for its fingerprint.
    """
    path = check_target(path, force)
    if _is_stream(path):
        return _write_through(path, write)
    with temporary_beside(path) as tmp:
        write(tmp)
        sealed = _seal(tmp)
        digest = None if sealed else (hashed.hexdigest() if hashed is not None
                                      else _sha256_file(tmp))
        _fsync(tmp)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual mode
        os.replace(tmp, path)
    if digest is not None:
        _record(path, digest)
    return path


def write_text(path: str | Path, text: str, *, force: bool = False) -> Path:
    """Write ``text`` (UTF-8) atomically to ``path`` (see :func:`write_atomic`)."""
    return write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"),
                        force=force)


# --- CSV ----------------------------------------------------------------------------------

def neutralise(text: str) -> str:
    """``text`` made safe for a spreadsheet cell: a leading ``'`` when it starts with
    ``=``, ``+``, ``-``, ``@``, a tab or a CR (OWASP's rule against CSV injection)."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def safe_values(values: "pd.Index | pd.Series") -> Any:
    """Text values neutralised; numbers (and everything else) kept as they are. One
    pass over the distinct values, not the rows."""
    import numpy as np
    import pandas as pd

    if values.dtype != object and not isinstance(values.dtype, pd.StringDtype):
        return values
    unique = pd.unique(np.asarray(values, dtype=object))
    mapping = {v: neutralise(v) for v in unique
               if isinstance(v, str) and v.startswith(FORMULA_TRIGGERS)}
    if not mapping:
        return values
    return values.map(lambda v: mapping.get(v, v) if isinstance(v, str) else v)


def safe_frame(frame: "pd.DataFrame") -> "pd.DataFrame":
    """A copy of ``frame`` whose text cells, column names and index labels cannot act
    as spreadsheet formulas (see :func:`neutralise`)."""
    import pandas as pd

    out = frame.copy(deep=False)
    for col in out.columns:
        safe = safe_values(out[col])
        if safe is not out[col]:
            out[col] = safe
    out.columns = safe_values(pd.Index(out.columns, dtype=object))
    if isinstance(out.index, pd.MultiIndex):
        out.index = out.index.set_levels([safe_values(lv) for lv in out.index.levels])
    else:
        out.index = safe_values(out.index)
        if out.index.name is not None:
            out.index.name = neutralise(str(out.index.name))
    return out


def write_csv(fh: IO[str], frame: "pd.DataFrame", *, index: bool = False,
              header: bool = True) -> None:
    """Write ``frame`` as CSV to an open text file (opened with ``newline=""``):
    text neutralised against formula injection, fields holding line breaks quoted,
    CRLF line ends (RFC 4180). Every CSV lca writes goes through here."""
    safe_frame(frame).to_csv(fh, index=index, header=header, lineterminator=CSV_LINE_END,
                             quoting=csv.QUOTE_MINIMAL)


def csv_text(frame: "pd.DataFrame", *, index: bool = False) -> str:
    """``frame`` as CSV text (see :func:`write_csv`)."""
    return safe_frame(frame).to_csv(index=index, lineterminator=CSV_LINE_END,
                                    quoting=csv.QUOTE_MINIMAL)


# --- JSON ---------------------------------------------------------------------------------

#: Keys (or key prefixes) whose NaN means "not covered" and becomes the documented
#: ``null``: a component's embodied carbon a method cannot cover, an impact category or
#: stage the data cannot cover (``impacts.<category>.<stage>[.<part>]``), and the
#: use-phase water when no water intensity is known.
NOT_COVERED_KEYS = ("embodied_by_component_kgco2e", "impacts", "use_water_l_per_year")


def component_may_be_null(path: str) -> bool:
    """Whether a NaN at ``path`` is the documented ``null`` of lca's JSON ("not
    covered", see :data:`NOT_COVERED_KEYS`)."""
    head = path.lstrip("[0123456789]").lstrip(".")
    return any(head == k or head.startswith(k + ".") for k in NOT_COVERED_KEYS) or any(
        f".{k}." in path or path.endswith(f".{k}") for k in NOT_COVERED_KEYS)


def _plain_json(value: Any, path: str, null_ok: Callable[[str], bool]) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain_json(v, f"{path}.{k}" if path else str(k), null_ok)
                for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain_json(v, f"{path}[{i}]", null_ok) for i, v in enumerate(value)]
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):  # numpy's float64 too
        v = float(value)
        if math.isfinite(v):
            return v
        if math.isnan(v) and null_ok(path):
            return None
        raise NonFiniteError(f"{path or 'the result'}: is {v} (not a finite number); "
                             "an input out of range reached the model")
    module = type(value).__module__
    if module.startswith("numpy") and hasattr(value, "tolist"):  # numpy scalars, arrays
        return _plain_json(value.tolist(), path, null_ok)
    if module.startswith("pandas"):
        import pandas as pd

        if value is pd.NA or value is pd.NaT:
            if null_ok(path):
                return None
            raise NonFiniteError(f"{path or 'the result'}: has no value")
    if hasattr(value, "item"):
        return _plain_json(value.item(), path, null_ok)
    return str(value)


def plain_json(value: Any, *, null_ok: Callable[[str], bool] = component_may_be_null) -> Any:
    """``value`` as plain JSON data (numpy scalars and arrays become Python numbers and
    lists). NaN becomes ``None`` only where ``null_ok(path)`` (by default: a component's
    embodied carbon a method cannot cover); any other NaN or infinity raises
    :class:`NonFiniteError` naming where it sits (``[3].total_kgco2e_per_year``)."""
    return _plain_json(value, "", null_ok)


def frame_records(frame: "pd.DataFrame", *,
                  null_ok: Callable[[str], bool] = component_may_be_null) -> list[dict]:
    """The rows of ``frame`` as JSON records, checked column by column (vectorized):
    NaN becomes ``None`` only in columns where ``null_ok(column)``; any other NaN or an
    infinity raises :class:`NonFiniteError` naming the row and column."""
    import numpy as np
    import pandas as pd

    for col in frame.columns:
        values = frame[col]
        if not pd.api.types.is_float_dtype(values):
            continue
        arr = values.to_numpy(dtype=float)
        bad = np.isinf(arr) if null_ok(str(col)) else ~np.isfinite(arr)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise NonFiniteError(f"[{row}].{col}: is {arr[row]} (not a finite number); "
                                 "an input out of range reached the model")
    out = frame.astype(object).where(frame.notna(), None)
    return [{str(k): (v.item() if isinstance(v, np.generic) else v) for k, v in rec.items()}
            for rec in out.to_dict(orient="records")]


def dumps_json(value: Any, *, indent: int | None = 2,
               null_ok: Callable[[str], bool] = component_may_be_null) -> str:
    """Serialise ``value`` as JSON that never carries NaN or Infinity: non-finite numbers
    raise :class:`NonFiniteError` (or become ``null`` where ``null_ok``; see
    :func:`plain_json`), and ``allow_nan=False`` guards the result. Every JSON lca
    writes goes through here."""
    return json.dumps(plain_json(value, null_ok=null_ok), indent=indent, allow_nan=False)


__all__ = ["CREATOR", "written_by_lca", "check_target", "write_atomic", "write_text",
           "clean_stale_temps", "temporary_beside", "no_interrupts", "state_dir",
           "neutralise", "safe_frame", "safe_values", "write_csv",
           "csv_text", "dumps_json", "plain_json", "frame_records", "component_may_be_null",
           "FORMULA_TRIGGERS", "CSV_LINE_END", "PDF_FINGERPRINT_KEY",
           "FINGERPRINT_PLACEHOLDER"]
