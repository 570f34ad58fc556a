"""domain layer of corridor."""
