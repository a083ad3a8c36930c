"""The reports app has no tables of its own: it reads the domain apps' tables (see selectors)."""
