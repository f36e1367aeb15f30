"""Adding facts: planning an addition against the base, applying it, CSV import, canonical form."""
