"""One module per report sheet; each gives its TITLE and its blocks(context)."""
