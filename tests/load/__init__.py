"""`make load`: a bounded load test of the local stack on loopback (see tests/load/__main__.py)."""
