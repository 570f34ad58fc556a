"""What the public and the partners' tools read: CAP alerts, notices, HXL tables, forms.

Pure code: every collaborator (the log's state, the scenario's places, a translator, the time)
is a parameter; nothing here reads a file, the network or the clock. Writers live in
``corridor.adapters``, use cases in ``corridor.services``.
"""
