"""The shop domain (爱心超市 / 积分超市). Debits points only through points.ledger."""
