"""Item pipelines: the archive pipeline (crawler side) and the archive writer process."""
