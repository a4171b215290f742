"""Storage locations: an instance's default root among the storage records."""

from __future__ import annotations

import ontolake as ol
from ontolake.instance.session import current_instance
from ontolake.registries.storage_location import default_storage_id


def test_managed_files_go_to_the_default_storage_among_others(instance, tmp_path):
    ol.Storage(root="s3://other-bucket/data", type="s3").save()
    ol.disconnect()  # a new connection looks the default up again
    connected = current_instance()
    default = ol.Storage.get(id=default_storage_id(connected))
    assert (default.root, default.is_default) == (connected.root.root, True)
    assert ol.Storage.filter().count() == 2
    (tmp_path / "cells.csv").write_text("cell,n\nc1,3\n")
    artifact = ol.Artifact(tmp_path / "cells.csv", key="tables/cells.csv").save()
    assert artifact.storage.root == connected.root.root
