"""The only code that writes chat messages, one module per sub-domain: send (a person's
message), attachments (checked before storing), receipts (delivered), read_state (read
positions and read receipts), system_messages (a request's events as chat lines),
sockets (sign-outs and access changes). Each write broadcasts after commit."""
