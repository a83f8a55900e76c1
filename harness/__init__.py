"""Running Tenant Desk the way production runs it, on this machine: for tests, `make bench`
and `make scale-test`."""
