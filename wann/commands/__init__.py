"""Subcommands of the `wann` command; each module defines NAME, ORDER, register() and run()."""
