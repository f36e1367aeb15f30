"""RDF in and out: the input gate, literal checks, the canonical Turtle writer, namespaces."""
