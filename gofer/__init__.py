"""The gofer: a separate, low-privilege process that holds the only handle on the box's
filesystem the sentry uses, resolves every path the workload names, and hands back fds
or results over a socketpair (protocol in PROTOCOL.md)."""
