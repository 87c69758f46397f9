import os

# The ledger key of every test, of the app they create and of the migrations they run.
os.environ.setdefault("LEDGER_KEY", "test-ledger-key")
