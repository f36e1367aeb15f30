"""The default time limits of a query (imports nothing: the command line reads
them to write its help)."""

# Saved queries are reviewed and may aggregate a large base; an ad-hoc query is
# fenced more tightly, so that a runaway join answers quickly with a message.
SAVED_TIMEOUT = 30.0
ADHOC_TIMEOUT = 10.0
