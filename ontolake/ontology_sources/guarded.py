"""A raw byte stream that stops for good at its first error.

The ontology readers sit on streams that refuse bad input while it is read (corrupt or
truncated compression, decompression bombs, endless lines). Some parsers swallow errors
raised while reading (fastobo turns them into its own); a :class:`GuardedStream` keeps its
error in ``failure`` and raises it again on every later read, so the caller can report the
real cause after the parser fails.
"""

from __future__ import annotations

import io
from typing import Any, BinaryIO, NoReturn, cast

from ontolake.errors import OntologyFormatError

__all__ = ["GuardedStream"]


class GuardedStream(io.RawIOBase):
    """Bytes from :meth:`_next`; :meth:`_refuse` ends the stream with an OntologyFormatError.

    Example:
        >>> class Letters(GuardedStream):
        ...     def _next(self, size: int) -> bytes:
        ...         self._refuse("x.obo: no more letters")
        >>> Letters().failure is None
        True
    """

    def __init__(self) -> None:
        super().__init__()
        self.failure: OntologyFormatError | None = None

    def readable(self) -> bool:
        """Always True: this is a readable stream."""
        return True

    def readinto(self, buffer: Any) -> int:
        """Fill ``buffer`` with the next bytes; raise the kept error after a failure."""
        if self.failure is not None:
            raise self.failure
        data = self._next(len(buffer))
        size = len(data)
        buffer[:size] = data
        return size

    def _next(self, size: int) -> bytes:
        """Up to ``size`` more bytes (empty at the end)."""
        raise NotImplementedError

    def _refuse(self, message: str, cause: BaseException | None = None) -> NoReturn:
        self.failure = OntologyFormatError(message)
        raise self.failure from cause

    def stream(self, buffer_size: int = 64 * 1024) -> BinaryIO:
        """This stream, buffered (what parsers expect of a binary file)."""
        return cast("BinaryIO", io.BufferedReader(self, buffer_size=buffer_size))
