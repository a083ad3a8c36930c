"""Reference data of the org app: administrative units and police units."""


def load_admin_areas() -> str:
    raise NotImplementedError


def load_units() -> str:
    raise NotImplementedError
