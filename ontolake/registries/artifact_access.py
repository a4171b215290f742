"""Reading artifacts back: the stored path, a local cached copy, the object, or a stream."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ontolake.errors import PathNotFoundError

if TYPE_CHECKING:
    from ontolake.registries.storage_location import Storage
    from ontolake.storage.root import StorageRoot

__all__ = ["ArtifactAccess"]


class ArtifactAccess:
    """Reading an :class:`~ontolake.registries.artifact.Artifact`: path, cache, load, open."""

    uid: str
    key: str | None
    suffix: str
    hash: str | None
    otype: str | None
    in_place: bool
    storage: Storage

    @property
    def storage_root(self) -> StorageRoot:
        """The storage root holding this artifact."""
        from ontolake.storage.root import StorageRoot

        return StorageRoot(self.storage.root)

    @property
    def path(self) -> str:
        """Where the content is stored: ``<root>/.ontolake/<uid><suffix>``, or its own URL."""
        root = self.storage_root
        if self.in_place:
            assert self.key is not None
            return root.join(self.key)
        return root.managed_path(self.uid, self.suffix)

    def cache(self) -> str:
        r"""A local path to the content, checked against the hash recorded at save.

        Remote content is downloaded once into the cache. Local content is the stored file
        itself: never write to it (copy it first). It is hashed on the first call and again
        whenever its size or modification time changed, so an edit made through this path
        raises ``HashMismatchError`` here and in ``load()`` instead of going unnoticed.

        Raises:
            HashMismatchError: the content no longer matches the recorded hash.

        Example:
            >>> path = ol.Artifact.get(key="raw/sample.fasta").cache()  # local: the stored file
            >>> path.endswith(f"/data/.ontolake/{artifact.uid}.fasta"), open(path).readline()
            (True, '>read1\n')
        """
        from ontolake.lineage.context import record_input
        from ontolake.storage.cache import cache_remote, verified_local

        record_input(self)  # an input of the current run, if any
        root = self.storage_root
        path = self.path
        assert self.hash is not None
        cache_key = f"{self.storage.uid}/{self.uid}{self.suffix}"
        if root.is_local:
            if not root.exists(path):
                raise PathNotFoundError(
                    f"The file of artifact {self.uid} is missing at {path!r}: run `curate doctor` "
                    "to check the instance."
                )
            if self.in_place:
                return path  # registered where it lies: the user's own file, not a stored copy
            return verified_local(path, self.hash, cache_key, f"artifact {self.uid}")
        return cache_remote(root.fs, path, self.hash, cache_key)

    def load(self) -> Any:
        """The content as an object: DataFrame, AnnData, MuData, SpatialData, or parsed JSON.

        Example:
            >>> table = ol.Artifact.get(key="tables/x.parquet").load()
            >>> type(table).__name__, table.shape
            ('DataFrame', (3, 2))
        """
        from ontolake.storage.formats import load

        return load(self.cache(), self.suffix, self.otype)

    def open(self) -> Any:
        """A streaming accessor: a pyarrow dataset, a backed AnnData, a zarr group or a file.

        Example:
            >>> dataset = ol.Artifact.get(key="tables/x.parquet").open()
            >>> dataset.to_table(columns=["a"])["a"].to_pylist()
            [0.2, 0.7, 0.9]
        """
        from ontolake.lineage.context import record_input
        from ontolake.storage.formats import open_accessor

        record_input(self)  # an input of the current run, if any
        root = self.storage_root
        if self.suffix == ".h5ad" and not root.is_local:
            from fsspec.implementations.local import LocalFileSystem

            return open_accessor(LocalFileSystem(), self.cache(), self.suffix, self.otype)
        return open_accessor(root.fs, self.path, self.suffix, self.otype)
