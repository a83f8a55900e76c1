"""The chat's WebSockets: one base (base.py), the request's chat (request_socket.py) and the
inbox (inbox_socket.py) as thin subclasses, the protocol's names (protocol.py), its typed
frames (frames.py) and the broadcasts encoded once (outgoing.py)."""
