"""A bare Django page: the yardstick the app's pages are measured against (issue 16)."""
