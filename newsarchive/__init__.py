"""newsarchive: the application shell (click CLI, web app) over crawler, indexer and search."""

__version__ = "0.1.0"
