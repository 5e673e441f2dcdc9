-- insert.sql - pgbench script: the baseline of the vote storm. One
-- single-row INSERT per transaction into a scratch table, committed with
-- synchronous_commit on (the default), as a ballot is: what this
-- machine's PostgreSQL does at most for one durable row at a time.
\set voter random(1, 500)
\set option random(0, 2)
INSERT INTO bench_storm (voter, option_index) VALUES (:voter, :option);
