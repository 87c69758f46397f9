"""The shop domain (积分超市): catalogue, stock, donations, redemptions and voids. No Flask."""
