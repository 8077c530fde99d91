"""archive: one archive on disk — its layout, its store of record, its WARC captures.

The only package that knows where an archive keeps things and the only one that speaks SQL:
the crawler, the importer and ``reextract`` write through :class:`~archive.store.Store`;
the indexer, the search engine and the web app read through it or through
:class:`~archive.reader.ArchiveReader` (a read-only connection for serving).
``tests/test_layers.py`` checks that nothing else opens the database or builds a path into
an archive.
"""
