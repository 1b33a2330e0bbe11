"""Sandbox setup: what the sentry does around the workload (cgroups, state) and what the
workload does to itself between fork and exec (namespaces, mounts, credentials, filter)."""
