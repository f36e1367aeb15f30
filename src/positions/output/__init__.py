"""Rendering and export: result tables and formats, RDF export, the HTML report, ontology docs."""
