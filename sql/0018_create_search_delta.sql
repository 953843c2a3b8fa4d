-- Records written (edited, added or deleted) since the current search index generation was
-- built: the index ignores their old postings and matches them from the live record row.
-- Written in the same transaction as the record; seq comes from search_state.delta_seq.
CREATE TABLE search_delta (
  library_id INT UNSIGNED NOT NULL,
  record_id INT UNSIGNED NOT NULL,
  seq BIGINT UNSIGNED NOT NULL,
  PRIMARY KEY (library_id, record_id),
  KEY search_delta_seq (library_id, seq)
) ENGINE=InnoDB
