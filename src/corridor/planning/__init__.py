"""planning layer of corridor."""
