"""Writes to the catalogue. Import from the submodules: ``solutions`` and ``organisations``."""
