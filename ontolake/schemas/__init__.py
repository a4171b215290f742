"""Feature dtypes, schema composition, pandera compilation and schema files.

``dtypes`` parses and checks feature dtypes; ``compose`` builds schemas from Features,
names and pandera parts; ``pandera`` compiles schemas to pandera and back; ``yaml`` reads and
writes schema files. The registries themselves (``ol.Feature``, ``ol.Schema``) live in
``ontolake.registries``.
"""
