"""`crm`: the command line for recruiters and operators (python -m crmcli --help).

It talks to the HTTP API of the local stack or a deployed stage (`client.py`), streams large CSV
imports in resumable chunks (`importer.py`, `csvchunks.py`, `progress.py`) and prints tables
(`views.py`, `tables.py`); `apikey` and `dlq` are crmcli.operators's operator commands. Standard
library only: nothing here imports boto3 or the app.
"""
