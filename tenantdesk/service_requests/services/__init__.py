"""The only code that writes service requests, one module per sub-domain: create (the one
way a request is born), status (the transition table's steps), workspace (assignment,
priority, due times), closure (reopening and rating)."""
