"""services layer of corridor."""
