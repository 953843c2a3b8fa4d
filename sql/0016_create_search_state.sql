-- The catalogue search index of a library: which generation of search_posting rows is
-- current (0: none built yet, search falls back to a LIKE scan), how many documents it holds,
-- and delta_seq, the counter every record write bumps (in the writing transaction) to stamp
-- its search_delta row. A rebuild takes in every delta row stamped up to the delta_seq it read
-- before reading the records, and deletes those rows when it switches generations.
CREATE TABLE search_state (
  library_id INT UNSIGNED NOT NULL,
  gen INT UNSIGNED NOT NULL DEFAULT 0,
  doc_count INT UNSIGNED NOT NULL DEFAULT 0,
  delta_seq BIGINT UNSIGNED NOT NULL DEFAULT 0,
  built_at DATETIME NULL,
  PRIMARY KEY (library_id),
  CONSTRAINT search_state_library_fk FOREIGN KEY (library_id) REFERENCES library (id)
) ENGINE=InnoDB DEFAULT CHARSET=ascii COLLATE=ascii_bin
