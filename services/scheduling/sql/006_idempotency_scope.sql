-- 006_idempotency_scope.sql - the idempotency table as the shared library's
-- cab_idem writes it: a record may name what it belongs to (scope), so a
-- service can forget the records with it. Scheduling names none.
ALTER TABLE idempotency ADD COLUMN scope text;
