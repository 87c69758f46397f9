"""Pages of who deliberates and how a meeting decides: bodies and their wall sheet, the
representatives' roster, meetings of a kind with their live quorum and votes, the 四议两公开
record and the county's queue of escalations."""
