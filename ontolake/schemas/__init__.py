"""Feature dtypes, schema composition, pandera compilation and schema files.

``dtypes`` parses feature dtypes and ``values`` checks values against them; ``compose``
builds schemas from Features, names and pandera parts; ``pandera`` compiles schemas to
pandera and back; ``yaml`` reads and writes schema files and ``sources`` imports the ontology
sources they pin. The registries themselves (``ol.Feature``, ``ol.Schema``) live in
``ontolake.registries``.
"""
