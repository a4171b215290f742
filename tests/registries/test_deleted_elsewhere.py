"""A record deleted by another process while this one holds it: a clear error, not a raw one."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

import ontolake as ol
from ontolake.errors import DoesNotExistError


def delete_elsewhere(instance, table: str, record_id: int) -> None:
    """Delete a row through a connection of its own, as another process would."""
    engine = create_engine(instance.db_url)
    try:
        with engine.begin() as connection:
            connection.execute(text(f"DELETE FROM {table} WHERE id = :id"), {"id": record_id})
    finally:
        engine.dispose()


def test_saving_or_linking_a_record_deleted_elsewhere_says_so(instance, tmp_path):
    path = tmp_path / "x.txt"
    path.write_text("x")
    artifact = ol.Artifact(path, key="x.txt").save()
    label = ol.ULabel(name="batch 1").save()
    delete_elsewhere(instance, "ulabels", label.id)
    label.description = "edited"
    with pytest.raises(DoesNotExistError) as edited:
        label.save()
    with pytest.raises(DoesNotExistError) as linked:
        artifact.ulabels.add(label)
    for raised in (edited, linked):
        message = str(raised.value)
        assert "ULabel" in message or "table 'ulabels'" in message
        assert "was deleted" in message and "\n" not in message
    assert artifact.ulabels.count() == 0
    assert ol.ULabel.filter(name="batch 1").count() == 0
