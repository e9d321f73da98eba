"""Property searches run in a child process under a watchdog (see test_properties.py)."""
