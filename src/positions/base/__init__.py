"""A base on disk: its layout, data files, store, saved-query catalogue and the writers' journal."""
