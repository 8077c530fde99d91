"""What can go wrong with an archive on disk."""


class StoreError(Exception):
    """The store of record cannot be used (missing, not ours, or damaged)."""
