"""Awards (加分 / 扣分) with review, publication and objections. Built out by the ledger issue."""
