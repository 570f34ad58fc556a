"""The transparency log: canonical bytes, DSSE envelopes, the RFC 9162 Merkle tree, C2SP
signed notes, checkpoints, cosignatures and tiles, offline verification. Pure: no I/O."""
