"""The v1 API views, split by subject."""
