"""A base held by a SPARQL server: HTTP client, remote queries, push, the server seen as a store."""
