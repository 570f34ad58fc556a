"""web layer of corridor."""
