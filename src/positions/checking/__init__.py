"""Validation: SHACL shapes and the checks beyond them, problems located in files."""
