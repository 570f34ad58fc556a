"""scenario layer of corridor."""
