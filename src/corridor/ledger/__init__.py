"""ledger layer of corridor."""
