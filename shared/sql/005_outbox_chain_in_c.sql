-- 005_outbox_chain_in_c.sql - the relay computes the audit chain's hashes
-- itself (shared/cab_chain.c) and writes every chained row's place and
-- hashes in one statement; outbox_chain, a loop of one UPDATE per row, is
-- no longer called. The hash is the same expression (cab_outbox_verify
-- checks it in SQL), so rows chained before and after this migration
-- verify alike.
DROP FUNCTION outbox_chain (integer);
