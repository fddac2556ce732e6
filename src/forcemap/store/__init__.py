"""The data layer: the store, its schema, readers for real formats and synthetic worlds."""

from forcemap.store.store import DEFAULT_STORE, Batch, IngestReport, Store, StoreStatus

__all__ = ["DEFAULT_STORE", "Batch", "IngestReport", "Store", "StoreStatus"]
