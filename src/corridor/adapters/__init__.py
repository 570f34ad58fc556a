"""adapters layer of corridor."""
