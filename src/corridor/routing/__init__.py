"""routing layer of corridor."""
