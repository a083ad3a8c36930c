"""Nothing to administer: the reports app stores no data."""
