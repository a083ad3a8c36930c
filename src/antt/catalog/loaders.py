"""Reference data of the catalogue: the seed's 120 procedures, enriched from the legal texts."""


def load_catalog() -> str:
    raise NotImplementedError
