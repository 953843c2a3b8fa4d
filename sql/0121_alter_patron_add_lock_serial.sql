-- Raised by every unit of work that locks a patron's row (holds, circulation, address changes).
-- On one server the row lock (FOR UPDATE) alone keeps two units of one patron apart. On a
-- Galera cluster a row lock holds only on its own node: two nodes may both lock the patron and
-- both pass the hold limit. A write is certified across the cluster, so the second of two such
-- units fails with a deadlock (1213) and the transaction helper runs it again, seeing the first.
ALTER TABLE patron ADD COLUMN lock_serial INT UNSIGNED NOT NULL DEFAULT 0
