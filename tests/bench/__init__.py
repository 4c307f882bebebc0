"""Benchmarks: `make bench` (`python -m tests.bench`) prints figures and writes build/bench.json.

Figures, never pass/fail: each group runs in its own fresh subprocess (settings and PynamoDB table
names are read once per process, so every group fixes its environment before importing the app):

- cold_import  (tests/bench/cold_import.py): `import app` as a Lambda would, against bare `import boto3`.
- signup       (tests/bench/signup.py): POST /signups through Chalice's test client, AWS emulated
               by the local stack's emulator process (crmlocal/emulator.py), as in `make run`.
- csv_import   (tests/bench/csv_import.py): 10,000 rows through POST /candidates/import, then again.
- pools        (tests/bench/pools.py): a 6-condition pool rule's evaluation time; a dynamic pool's
               rebuild through the jobs queue (measured at 40,000 people, extrapolated to
               100,000); DynamoDB items read to list a 1,000-member pool, per member.

Each group can also be run alone, e.g. `python -m tests.bench.signup`.
"""
