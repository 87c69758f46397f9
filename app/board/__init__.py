"""The public board (/v/<code>, no login) and the committee's postings (户积分公示)."""
