"""SPARQL: checking a query, binding parameters, running it under limits, streaming answers."""
