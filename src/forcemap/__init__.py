"""forcemap: science & technology strategy from open data."""

__version__ = "0.1.0"
