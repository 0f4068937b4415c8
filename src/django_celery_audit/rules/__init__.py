"""One module per rule. Each module defines ``RULE`` and registers its callbacks on it."""
