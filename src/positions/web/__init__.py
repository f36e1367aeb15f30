"""The local web view and SPARQL endpoint of `positions serve`."""
