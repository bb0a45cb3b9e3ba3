"""Parse a BOM once per file content, compile it once per (Bom, method).

``lca.assess(path)`` used to spend 14 ms of its 26 ms reading YAML and validating it; a
test suite or a service that assesses the same files many times parses each file once:

* :func:`load_file` keys parsed BOMs by the file's resolved path and a hash of its bytes
  (BLAKE2b), so an edited file is parsed again at the next call even when its size and
  modification time happen to be unchanged; reading and hashing a BOM costs about 20 us.
  A file whose stat signature (size, mtime, ctime, inode, device) is unchanged since it
  was hashed is not read again -- only when its ctime was more than ``RACY_NS`` old at
  hashing time (git's "racily clean" rule), so a rewrite too quick for the timestamps
  still changes the key.
* :func:`compiled` keys compiled models by the Bom object and the method. Any assignment
  to a field of any BOM model (``bom.lifetime = 3``, ``bom.usage.pue = 1.2``) advances
  :func:`lca.bom.edits`, which retires the compiled models made before it.

Both caches are bounded (least recently used entries go first). A Bom returned from the
cache is shared between callers: treat it as read-only and derive variants with
``bom.model_copy(update=...)`` (assigning to it is safe, but costs a new parse of the
file at the next call).
"""

from __future__ import annotations

import hashlib
import os
import time
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from .bom import Bom
    from .model import Compiled

#: Parsed BOM files and compiled models kept (each).
MAX_ENTRIES = 256

#: A file's stat signature is trusted (no read, no hash) only when its inode changed
#: more than this long before [ns]: a file changed within the file system's timestamp
#: granularity (a few ms) since is always read and hashed again.
RACY_NS = 2_000_000_000

#: Absolute path -> (stat signature, key of _files) of files read before.
_signatures: "OrderedDict[str, tuple[tuple, tuple[str, bytes]]]" = OrderedDict()

_files: "OrderedDict[tuple[str, bytes], tuple[Bom, int]]" = OrderedDict()
_compiled: "OrderedDict[tuple[int, str | None, Any], tuple[Any, int, Compiled]]" = OrderedDict()


def _put(cache: OrderedDict, key: Any, value: Any) -> None:
    cache[key] = value
    cache.move_to_end(key)
    while len(cache) > MAX_ENTRIES:
        cache.popitem(last=False)


def load_file(path: str | Path) -> "Bom":
    """The validated Bom of a BOM file, parsed once per file content."""
    from .bom import edits, load_bom_file

    path = Path(path)
    name = os.path.abspath(path)
    try:
        st = os.stat(name)
    except OSError:
        return load_bom_file(path)   # raises the BomError that names the problem
    signature = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)
    known = _signatures.get(name)
    if known is not None and known[0] == signature:
        hit = _files.get(known[1])
        if hit is not None and hit[1] == edits():
            _files.move_to_end(known[1])
            return hit[0]
    try:
        content = path.read_bytes()
    except OSError:
        return load_bom_file(path)
    key = (str(path.resolve()), hashlib.blake2b(content, digest_size=16).digest())
    if time.time_ns() - st.st_ctime_ns > RACY_NS:
        # the signature is trusted only for files unchanged for a while (as git's racy
        # index entries): a rewrite within the clock's granularity cannot hide behind it
        _put(_signatures, name, (signature, key))
    hit = _files.get(key)
    if hit is not None and hit[1] == edits():
        _files.move_to_end(key)
        return hit[0]
    bom = load_bom_file(path)
    _put(_files, key, (bom, edits()))
    return bom


def compiled(bom: "Bom", method: str | None = None, boundary: Any = None) -> "Compiled":
    """``lca.model.compile_bom(bom, method, boundary)``, once per Bom object, method and
    boundary (until a BOM model is assigned to, see :func:`lca.bom.edits`)."""
    from .bom import edits
    from .model import compile_bom

    if method is not None and not isinstance(method, str):
        from .embodied import get_method

        get_method(method)   # an UnknownMethodError naming the methods
    key = (id(bom), method, boundary)
    hit = _compiled.get(key)
    if hit is not None and hit[0] is bom and hit[1] == edits():
        _compiled.move_to_end(key)
        return hit[2]
    model = compile_bom(bom, method, boundary)
    _put(_compiled, key, (bom, edits(), model))   # holding bom keeps its id unique
    return model


def cache_folder() -> Path | None:
    """lca's cache folder: ``$LCA_CACHE_DIR``, else ``$XDG_CACHE_HOME/lca``, else
    ``~/.cache/lca``; None when ``LCA_CACHE_DIR`` is ``off`` (or empty)."""
    env = os.environ.get("LCA_CACHE_DIR")
    if env is not None:
        return None if env.strip().lower() in ("", "off", "0", "none") else Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "lca"


def parsed_data_file(path: Path, parse: Callable[[], Any]) -> Any:
    """``parse()`` of a shipped data file, kept across processes in lca's cache folder.

    Parsing YAML in pure Python costs about 0.1 s for ``data/parameters.yaml``, which every
    CLI command reads for its help texts; the parsed value is stored with :mod:`marshal`
    (plain dicts, lists, strings and numbers; a file holding anything else, such as a
    YAML date, is simply not cached) under a name made of the file's resolved path, size
    and modification time, so an edited data file is parsed again. Without a writable
    cache folder the file is parsed every time.
    """
    import marshal
    import sys

    folder = cache_folder()
    if folder is None:
        return parse()
    stat = path.stat()
    key = f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{sys.version_info[:2]}"
    name = hashlib.blake2b(key.encode(), digest_size=16).hexdigest()
    cached = folder / "data" / f"{name}.marshal"
    try:
        return marshal.loads(cached.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        pass
    value = parse()
    try:
        blob = marshal.dumps(value)
    except ValueError:   # not plain data: not cached
        return value
    try:
        from .io import write_atomic

        write_atomic(cached, lambda tmp: tmp.write_bytes(blob), force=True)
    except OSError:
        pass
    return value


def clear() -> None:
    """Forget every parsed BOM and compiled model."""
    _files.clear()
    _signatures.clear()
    _compiled.clear()


__all__ = ["load_file", "compiled", "clear", "cache_folder", "parsed_data_file", "MAX_ENTRIES"]
