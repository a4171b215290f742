"""Tests proving the PostgreSQL and S3 service fixtures work."""

from __future__ import annotations

import pytest

from services.postgres import PostgresServer, fresh_database


@pytest.mark.postgres
def test_postgres_table_round_trips(postgres_url: str) -> None:
    import psycopg

    rows = [(1, "cell type", {"id": "CL:0000000"}), (2, "ünïcode ✓", {"id": None})]
    with psycopg.connect(postgres_url) as conn:
        conn.execute("CREATE TABLE terms (id int PRIMARY KEY, name text, meta jsonb)")
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO terms VALUES (%s, %s, %s)",
                [(i, name, psycopg.types.json.Jsonb(meta)) for i, name, meta in rows],
            )
    with psycopg.connect(postgres_url) as conn:
        assert conn.execute("SELECT id, name, meta FROM terms ORDER BY id").fetchall() == rows


@pytest.mark.postgres
def test_postgres_databases_are_isolated(
    postgres_server: PostgresServer, postgres_url: str
) -> None:
    import psycopg

    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE only_here (x int)")
    with fresh_database(postgres_server.base_url) as other_url:
        assert other_url != postgres_url
        with psycopg.connect(other_url) as conn:
            assert conn.execute("SELECT to_regclass('only_here')").fetchone() == (None,)
    other_name = other_url.rsplit("/", 1)[1]
    with psycopg.connect(f"{postgres_server.base_url}/postgres") as conn:
        query = "SELECT count(*) FROM pg_database WHERE datname = %s"
        assert conn.execute(query, (other_name,)).fetchone() == (0,)


@pytest.mark.s3
def test_s3_fsspec_write_is_read_by_s3fs(s3_server: str, s3_bucket: str) -> None:
    import fsspec
    import s3fs

    assert s3_server.startswith("http://127.0.0.1:")
    path = f"{s3_bucket}/dir/hello.txt"
    fsspec.filesystem("s3").pipe(path, b"hello moto")
    fs, resolved = fsspec.core.url_to_fs(path)
    assert fs.cat(resolved) == b"hello moto"
    reader = s3fs.S3FileSystem(endpoint_url=s3_server)
    assert reader.ls(f"{s3_bucket}/dir") == [path.removeprefix("s3://")]
    assert reader.cat(path) == b"hello moto"


@pytest.mark.s3
def test_s3_bad_credentials_make_writes_fail(s3_bad_credentials: str) -> None:
    import fsspec

    with pytest.raises(PermissionError, match="Access Key Id"):
        fsspec.filesystem("s3").pipe(f"{s3_bad_credentials}/denied.txt", b"nope")
