"""The village office's paper and records: monthly household statements and the audit log."""
