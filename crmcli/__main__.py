"""python -m crmcli ... (the `crm` console script of pyproject.toml calls crmcli.commands:main)."""
import sys

from .commands import main

sys.exit(main())
