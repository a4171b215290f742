"""Walk a large JSON document while it streams: one window of text, one value at a time.

Ontology files reach hundreds of megabytes, and ``json.load`` holds all of one as Python
objects (5-10 times the file size). A :class:`JsonStream` decodes the bytes incrementally
(UTF-8) into a window of about :data:`CHUNK_BYTES` of text; the reader walks the structure
it knows (:meth:`~JsonStream.members` of an object, :meth:`~JsonStream.items` of an array)
and decodes the values it wants one at a time with :meth:`json.JSONDecoder.raw_decode`. Only
the window and the value being decoded (at most :data:`MAX_VALUE_CHARS` of text) are held.

Errors are :class:`JsonStreamError`, naming the character offset, line and column, so each
reader words them for its format.

Example:
    >>> import io
    >>> stream = JsonStream(io.BytesIO(b'{"a": [1, {"b": 2}], "c": null}'))
    >>> for key in stream.members():
    ...     if key == "a":
    ...         print([stream.value() for _ in stream.items()])
    ...     else:
    ...         stream.skip()
    [1, {'b': 2}]
    >>> stream.end()
"""

from __future__ import annotations

import codecs
import json
import re
from typing import TYPE_CHECKING, Any, BinaryIO, NoReturn

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["CHUNK_BYTES", "MAX_VALUE_CHARS", "JsonStream", "JsonStreamError"]

CHUNK_BYTES = 1 << 20
"""Bytes read at a time."""
MAX_VALUE_CHARS = 16 << 20
"""Longest text one decoded value may span (real ones are kilobytes): bounds memory on bad
input."""
_WHITESPACE = re.compile(r"[ \t\r\n]*")


class JsonStreamError(ValueError):
    r"""The stream is not the JSON expected, or not UTF-8.

    Attributes:
        problem: what is wrong (``invalid JSON (Expecting value)``, ``expected ','`` …).
        reason: ``structure`` (a ``{``, ``,``, ``:`` … or a key is missing where the walk
            expects one, or text follows the document); ``invalid`` (the decoder's
            complaint); ``too_deep`` (nesting beyond Python's recursion limit);
            ``too_long`` (a value spans more than ``max_value_chars``, or is invalid and
            was not complete by then); ``encoding`` (not UTF-8).
        offset: where, in characters from 0; ``line`` and ``column`` count from 1.
        key: the member being read of the innermost object walked by
            :meth:`JsonStream.members`; ``after`` the last member it finished.

    Example:
        >>> import io
        >>> try:
        ...     JsonStream(io.BytesIO(b"\n [")).expect("{")
        ... except JsonStreamError as error:
        ...     print(error.offset, error.line, error.column, error.problem)
        2 2 2 expected '{', found '['
    """

    def __init__(
        self,
        problem: str,
        reason: str,
        position: tuple[int, int, int],
        key: str | None = None,
        after: str | None = None,
    ) -> None:
        self.problem, self.reason, self.key, self.after = problem, reason, key, after
        self.offset, self.line, self.column = position
        super().__init__(f"character {self.offset} (line {self.line}): {problem}")


class JsonStream:
    """A window of decoded text over a byte stream, refilled as the walk moves on.

    Args:
        handle: the bytes (UTF-8, a byte order mark is skipped).
        chunk_bytes: bytes read at a time (tests make it tiny to split every token).
        max_value_chars: longest text one value may span.

    Example:
        >>> import io
        >>> stream = JsonStream(io.BytesIO(b'[{"id": 1}, {"id": 2}]'), chunk_bytes=3)
        >>> [stream.value()["id"] for _ in stream.items()]
        [1, 2]
    """

    def __init__(
        self,
        handle: BinaryIO,
        *,
        chunk_bytes: int = CHUNK_BYTES,
        max_value_chars: int = MAX_VALUE_CHARS,
    ) -> None:
        self._handle = handle
        self._chunk = chunk_bytes
        self._max = max_value_chars
        self._decoder = codecs.getincrementaldecoder("utf-8-sig")()
        self._json = json.JSONDecoder()
        self._text = ""
        self._pos = 0
        self._eof = False
        self._offset = self._lines = self._column = 0  # of the text dropped before _text
        self.key: str | None = None
        self.after: str | None = None

    def peek(self) -> str:
        """The next non-blank character ('' at the end), without consuming it."""
        while True:
            blank = _WHITESPACE.match(self._text, self._pos)
            self._pos = blank.end() if blank else self._pos
            if self._pos < len(self._text) or not self._refill(self._chunk):
                return self._text[self._pos : self._pos + 1]

    def expect(self, char: str) -> None:
        """Consume ``char`` (after blanks) or fail naming what is there instead."""
        found = self.peek()
        if found != char:
            self.fail(
                f"expected {char!r}, found {repr(found) if found else 'the end'}", "structure"
            )
        self._pos += 1

    def value(self) -> Any:
        """Decode the next value whole."""
        self.peek()
        return self._decode()

    def skip(self) -> None:
        """Read past the next value; an array or object one item or member at a time."""
        first = self.peek()
        if first == "[":
            for _ in self.items():
                self.value()
        elif first == "{":
            for _ in self.members():
                self.value()
        else:
            self.value()

    def members(self, what: str = "key") -> Iterator[str]:
        """Walk an object: yield each key with its ``:`` consumed.

        Read the key's value (:meth:`value`, :meth:`skip`, :meth:`items` …) before the next.

        Args:
            what: what a key is, for the error when one is missing (``term id``).
        """
        self.expect("{")
        if self.peek() == "}":
            self._pos += 1
            return
        while True:
            if self.peek() != '"':
                self.fail(f"expected a quoted {what}", "structure")
            key = str(self._decode())
            self.key = key
            self.expect(":")
            yield key
            done = self.peek() == "}"
            self.expect("}" if done else ",")
            self.key, self.after = None, key
            if done:
                return

    def items(self) -> Iterator[int]:
        """Walk an array: yield the index of each item; read the item before the next."""
        self.expect("[")
        if self.peek() == "]":
            self._pos += 1
            return
        index = 0
        while True:
            yield index
            if self.peek() == "]":
                self._pos += 1
                return
            self.expect(",")
            index += 1

    def end(self, what: str = "object") -> None:
        """Check that nothing but blanks follows the top-level ``what``."""
        if self.peek() != "":
            self.fail(f"unexpected text after the top-level {what}", "structure")

    def fail(self, problem: str, reason: str = "invalid", at: int | None = None) -> NoReturn:
        """Raise :class:`JsonStreamError` at index ``at`` of the window (default: here)."""
        index = self._pos if at is None else at
        newline = self._text.rfind("\n", 0, index)
        line = self._lines + self._text.count("\n", 0, index) + 1
        column = index - newline if newline >= 0 else self._column + index + 1
        raise JsonStreamError(
            problem, reason, (self._offset + index, line, column), self.key, self.after
        )

    def _refill(self, size: int) -> bool:
        """Append the next ``size`` bytes (dropping what was consumed); False at the end."""
        if self._eof:
            return False
        data = self._handle.read(size)
        self._eof = not data
        try:
            decoded = self._decoder.decode(data, final=self._eof)
        except UnicodeDecodeError as error:
            self.fail(f"not valid UTF-8 text ({error})", "encoding")
        newlines = self._text.count("\n", 0, self._pos)
        if newlines:
            self._lines += newlines
            self._column = self._pos - self._text.rfind("\n", 0, self._pos) - 1
        else:
            self._column += self._pos
        self._offset += self._pos
        self._text = self._text[self._pos :] + decoded
        self._pos = 0
        return True

    def _decode(self) -> Any:
        while True:
            try:
                value, end = self._json.raw_decode(self._text, self._pos)
            except RecursionError:
                self.fail("JSON nested too deeply", "too_deep")
            except json.JSONDecodeError as error:
                pending = len(self._text) - self._pos
                if pending > self._max:
                    self.fail(
                        f"a value longer than {self._max >> 20} MiB of text, or invalid JSON "
                        f"({error.msg})",
                        "too_long",
                    )
                # Read as much again as is buffered: a long value is decoded O(n) times in
                # total, not once per chunk.
                if self._refill(max(self._chunk, pending)):
                    continue
                self.fail(f"invalid JSON ({error.msg})", "invalid", error.pos)
            # A number may go on past the window ("1" of "1.5e-3" reads as 1 up to 2 characters
            # before the window's end): read on to be sure.
            if end < len(self._text) - 2 or not self._refill(self._chunk):
                self._pos = end
                return value
