"""Typed errors. Library code raises these and never exits; the CLI turns them into one
line (file, field path, YAML line where known, what was expected) and exit code 2."""

from __future__ import annotations


class LcaError(Exception):
    """Base of every error `lca` raises on purpose."""


class BomError(LcaError):
    """A BOM file (or BOM data) is missing, malformed or invalid.

    Attributes name the file, the field path (``components[0].area``) and the YAML line
    (1-based) where the parser knows it, and what was expected.
    """

    def __init__(self, message: str, *, file: str | None = None, path: str | None = None,
                 line: int | None = None):
        self.file = file
        self.path = path
        self.line = line
        self.message = message
        super().__init__(self._format())

    def _format(self) -> str:
        where = self.file or "<bom>"
        if self.line is not None:
            where += f":{self.line}"
        if self.path:
            where += f": {self.path}"
        return f"{where}: {self.message}"


class UnitError(BomError):
    """A quantity has no unit, or a unit of the wrong dimension."""


class NotMultiplicativeError(LcaError):
    """A unit conversion is not a plain multiplication (an offset unit such as degC), so
    no factor converts it (see :func:`lca.units.factor`): convert the quantity itself."""


class UnknownBomError(LcaError):
    """Neither a file nor the name of a shipped BOM."""


class UnknownRegionError(LcaError):
    """A grid region code or named grid value that the shipped table does not have."""


class UnknownMethodError(LcaError):
    """An embodied method that does not exist."""


class UnknownDeviceError(LcaError):
    """An accelerator or CPU key that the shipped library does not have."""


class ParameterError(LcaError):
    """An override, scenario, kernel or workload parameter that is unknown, of the wrong
    type, not finite or out of range. ``parameter``, ``value`` and ``bound`` say which,
    what was given and what the registry (lca.registry) accepts, where known."""

    def __init__(self, message: str, *, parameter: str | None = None, value=None,
                 bound: str | None = None):
        self.parameter = parameter
        self.value = value
        self.bound = bound
        super().__init__(message)


class DataError(LcaError):
    """A shipped data file is malformed (a bug in lca's data, not in the user's input)."""


class CoverageError(LcaError):
    """A method cannot cover a component and the caller asked for strict coverage."""


class OutputError(LcaError):
    """An output cannot be written: the target is a symbolic link, a folder, a block
    device or a socket (never replaced), or the system refused the write (a full disk, a
    read-only folder). Nothing was written."""


class OverwriteError(OutputError):
    """An output file exists and was not written by lca, or was changed since lca wrote
    it (overwrite it with force)."""


class NonFiniteError(LcaError):
    """A result is NaN or infinite where a number is due (never written to JSON)."""


class MeasuredDataError(LcaError):
    """A measured-run file (CodeCarbon's emissions.csv) or a grid-intensity series that
    cannot be read. ``file``, ``line`` (1-based, the header is line 1) and ``field`` say
    where, where known."""

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 field: str | None = None):
        self.file = file
        self.line = line
        self.field = field
        self.message = message
        where = file or "<data>"
        if line is not None:
            where += f":{line}"
        if field:
            where += f": {field}"
        super().__init__(f"{where}: {message}")
