"""forcemap: science & technology strategy from open data."""
