"""The cyclic garbage collector, tuned for a Lambda process. app.py imports this module first.

Every SDK call allocates thousands of short-lived containers: at CPython's default threshold (700)
the collector ran ~600 times in a local tick that sends 500 campaign emails, about a tenth of the
process's CPU. Set before anything else is imported, so the imports of a cold start run under it too.
"""
import gc

gc.set_threshold(10_000, 10, 10)


def freeze_loaded() -> None:
    """What is loaded by now (the modules, the app) lives as long as the Lambda: out of the collector's
    sight, it is never traversed again. app.py calls this last."""
    gc.freeze()
