"""Pages and endpoints of service requests, one module per sub-domain: create (a member's
form and a manager's by phone), lists (the customers' tabs and the managers' queues),
detail (the request's page, its history and private photos), actions (status,
assignment, priority, reopening, rating). Thin: parse, ask service_requests.access, call one
service, render; a refusal is one page (or JSON) from `common.refused`."""
