"""python -m crmcli ... (installed as .venv/bin/crm by the Makefile)."""
import sys

from .commands import main

sys.exit(main())
