"""How positions words a count for people: ``1 file``, ``2 files``."""


def plural(count: int, word: str) -> str:
    """``count`` and ``word``, the word in the plural (with an s) unless the count is one."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"
