"""The one exception hierarchy of ontolake.

Every error ontolake raises on purpose is an ``OntolakeError``; catch it at the level of
generality you need. Errors that match a builtin also subclass it, so ``except
FileNotFoundError`` or ``except ValueError`` keep working. Each class carries the exit code
the ``curate`` command uses when it reaches the user: 1 only for ``ValidationError`` (the data
does not conform: a verdict), 2 for everything else (bad input, an unreadable file, a missing
instance, registry or record, an unreachable database: the command could not give a
verdict). Exceptions that are not ``OntolakeError`` are bugs: ``curate`` exits 3 for them.

```
OntolakeError
├── ConfigurationError
│   ├── NotConnectedError
│   ├── InstanceNotFoundError
│   ├── InstanceExistsError
│   ├── SourceNotFoundError
│   └── SchemaVersionError
├── MissingDependencyError (ImportError)
├── DatabaseError
│   ├── DatabaseUnavailableError (ConnectionError)
│   ├── DatabaseLockedError
│   ├── PermissionDeniedError (PermissionError)
│   └── IntegrityError
├── StorageError (OSError)
│   ├── PathNotFoundError (FileNotFoundError)
│   ├── StorageNotWritableError (PermissionError)
│   ├── StorageCredentialsError (PermissionError)
│   ├── UnsafePathError
│   └── HashMismatchError
├── InvalidKeyError (ValueError)
├── UnsupportedObjectError (TypeError)
├── InvalidDataError (ValueError)
│   ├── OntologyFormatError
│   ├── DtypeError
│   ├── FeatureDefinitionError
│   └── SchemaFileError
├── QueryError (ValueError)
│   ├── InvalidFieldError (AttributeError)
│   ├── DoesNotExistError (LookupError)
│   └── MultipleResultsError (LookupError)
├── RelationError (ValueError)
├── TrackingError (RuntimeError)
├── NotebookError (RuntimeError)
└── ValidationError (ValueError)
    └── FeatureValueError
```

Example:
    >>> import ontolake as ol
    >>> try:
    ...     ol.Artifact.get(key="missing.csv")
    ... except ol.errors.DoesNotExistError as error:
    ...     print(error)  # doctest: +NORMALIZE_WHITESPACE
    No Artifact with key='missing.csv': check the value, or use Artifact.search(...) to find
    similar records.
"""

from __future__ import annotations

from typing import ClassVar

from ontolake._urls import mask_text

__all__ = [
    "AmbiguousValueWarning",
    "ConfigurationError",
    "DatabaseError",
    "DatabaseLockedError",
    "DatabaseUnavailableError",
    "DoesNotExistError",
    "DtypeError",
    "FeatureDefinitionError",
    "FeatureNameWarning",
    "FeatureValueError",
    "HashMismatchError",
    "InstanceExistsError",
    "InstanceNotFoundError",
    "IntegrityError",
    "InvalidDataError",
    "InvalidFieldError",
    "InvalidKeyError",
    "MissingDependencyError",
    "MultipleResultsError",
    "NotConnectedError",
    "NotebookError",
    "OntolakeError",
    "OntologyFormatError",
    "PathNotFoundError",
    "PermissionDeniedError",
    "QueryError",
    "RelationError",
    "SchemaFileError",
    "SchemaVersionError",
    "SourceNameWarning",
    "SourceNotFoundError",
    "StorageCredentialsError",
    "StorageError",
    "StorageNotWritableError",
    "TrackingError",
    "UnsafePathError",
    "UnsupportedObjectError",
    "ValidationError",
]


class OntolakeError(Exception):
    """Base class of every error ontolake raises on purpose.

    Passwords and tokens in URLs inside the message are masked (``postgresql://u:***@h``):
    an error message is output, wherever it is shown.
    """

    exit_code: ClassVar[int] = 2
    """What ``curate`` exits with when this error reaches the user (see the module doc)."""

    def __init__(self, *args: object) -> None:
        super().__init__(*(mask_text(arg) if isinstance(arg, str) else arg for arg in args))

    def __reduce__(self) -> tuple[type[OntolakeError], tuple[str]]:
        # Keep errors picklable across processes even when subclasses add arguments.
        return (self.__class__, (str(self),))


class ConfigurationError(OntolakeError):
    """The instance or settings are not in a usable state."""


class NotConnectedError(ConfigurationError):
    """No instance is connected and none could be found to connect to."""


class InstanceNotFoundError(ConfigurationError):
    """The storage location or database holds no ontolake instance."""


class InstanceExistsError(ConfigurationError):
    """An instance already exists where a new one was to be created."""


class SourceNotFoundError(ConfigurationError):
    """No ontology source matches the entity, name or version asked for; lists the available."""


class SchemaVersionError(ConfigurationError):
    """The instance's database schema is older or newer than this version of ontolake."""


class MissingDependencyError(OntolakeError, ImportError):
    """An optional dependency is needed; the message names the extra to install."""


class DatabaseError(OntolakeError):
    """The metadata database refused or failed an operation."""


class DatabaseUnavailableError(DatabaseError, ConnectionError):
    """The database cannot be reached."""


class DatabaseLockedError(DatabaseError):
    """Another process held a write lock for longer than the busy timeout."""


class PermissionDeniedError(DatabaseError, PermissionError):
    """The database role may not perform this operation (for example a read-only role)."""


class IntegrityError(DatabaseError):
    """A write conflicts with the data already stored (for example a unique value)."""


class StorageError(OntolakeError, OSError):
    """A storage location could not be read or written."""


class PathNotFoundError(StorageError, FileNotFoundError):
    """A file, folder or URL does not exist."""


class StorageNotWritableError(StorageError, PermissionError):
    """The storage location cannot be written to."""


class StorageCredentialsError(StorageError, PermissionError):
    """The credentials for a remote storage location were missing or refused."""


class UnsafePathError(StorageError):
    """A path points outside the place it must stay in (for example a symlink out of a folder)."""


class HashMismatchError(StorageError):
    """Stored content does not match the hash recorded for it."""


class InvalidKeyError(OntolakeError, ValueError):
    """An artifact key breaks one of the key rules; the message names the rule."""

    def __init__(self, message: str, rule: str = "") -> None:
        super().__init__(message)
        self.rule = rule


class UnsupportedObjectError(OntolakeError, TypeError):
    """The object or file type cannot be stored or loaded as an artifact."""


class InvalidDataError(OntolakeError, ValueError):
    """The data cannot be stored as it is (for example non-string column names)."""


class OntologyFormatError(InvalidDataError):
    """An ontology file is malformed: the message names the file and the term or line."""


class QueryError(OntolakeError, ValueError):
    """A query is malformed."""


class InvalidFieldError(QueryError, AttributeError):
    """A query names a field or lookup that does not exist; the message lists valid ones."""


class DoesNotExistError(QueryError, LookupError):
    """No record matches a query that must return one."""


class MultipleResultsError(QueryError, LookupError):
    """Several records match a query that must return exactly one."""


class RelationError(OntolakeError, ValueError):
    """A link between records cannot be made as asked (an unsaved record, another registry)."""

    exit_code: ClassVar[int] = 2


class TrackingError(OntolakeError, RuntimeError):
    """Run tracking was used out of order (``finish()`` without ``track()``, nested ``track()``)."""


class NotebookError(OntolakeError, RuntimeError):
    """A notebook run headless stopped: a cell raised or timed out, or the kernel died.

    ``run`` is the run the notebook's ``ol.track()`` started (None when it started none).
    """

    def __init__(self, message: str, run: object = None) -> None:
        super().__init__(message)
        self.run = run


class ValidationError(OntolakeError, ValueError):
    """Data does not conform to a schema (``curate`` exits 1: the verdict "invalid")."""

    exit_code: ClassVar[int] = 1


class DtypeError(InvalidDataError):
    """A feature dtype is unknown or malformed; the message lists the valid dtypes."""


class FeatureDefinitionError(InvalidDataError):
    """A feature is defined in a way that conflicts with its stored definition (e.g. dtype)."""


class SchemaFileError(InvalidDataError):
    """A schema file is malformed: the message names the file, the key and what was expected."""


class FeatureValueError(ValidationError):
    """Feature values do not fit their features.

    Undefined features, values of the wrong type, or labels missing from their registry.
    ``feature`` names the feature, ``missing`` lists categorical values not in the registry
    and ``hint`` is the command that adds them. The data cannot be stored or checked as
    asked, so ``curate`` exits 2 (not 1, the verdict of a validation).
    """

    exit_code: ClassVar[int] = 2

    def __init__(
        self, message: str, feature: str = "", missing: list[str] | None = None, hint: str = ""
    ) -> None:
        super().__init__(message)
        self.feature = feature
        self.missing = list(missing or [])
        self.hint = hint


class AmbiguousValueWarning(UserWarning):
    """``standardize`` left values as given because each names several terms.

    The message names every candidate (with its ontology id); replace each value with the
    term meant, or scope the feature to an organism.
    """


class FeatureNameWarning(UserWarning):
    """A feature is named like a field: ``filter(name=...)`` means the field.

    The feature is queried as ``filter(features__<name>=...)``.
    """


class SourceNameWarning(UserWarning):
    """An ontology file's name contradicts its header (``hp-2024.obo`` declaring 2025-01-16).

    The header's name and version are used; pass ``name=``/``version=`` to choose others.
    """
