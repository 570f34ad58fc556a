"""cli layer of corridor."""
