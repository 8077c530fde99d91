"""The web app (``newsarchive serve``): pages, JSON API, OpenSearch and Atom feeds."""
