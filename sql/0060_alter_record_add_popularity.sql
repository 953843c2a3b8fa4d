-- popularity: how much a record is wanted, for the relevance ranking (適合順) of the catalogue
-- search — ROUND(100 × ln(1 + 2 × copies + loans made in the last year + holds placed in the
-- last year)), so 0 for a record without copies, 110 for one copy nobody borrowed, ~250 for a
-- title with five copies and a waiting list. Copies count twice: a library buys several of
-- what many people ask for, so they stand for the loans before the last year too. Recomputed daily by the search-popularity job
-- (services/search/popularity.ts), which stamps the changed records for the search index.
ALTER TABLE record
  ADD COLUMN popularity SMALLINT UNSIGNED NOT NULL DEFAULT 0
