-- Short keys for long keitai searches: the links of a keitai result page carry `k=<key>` instead
-- of the query, so a page's size does not grow with the query times its links. Keys are
-- derived from the search itself (the same search, the same key); unused keys are purged.
CREATE TABLE keitai_search_key (
  search_key CHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  params TEXT NOT NULL,
  used_at DATETIME NOT NULL,
  PRIMARY KEY (search_key),
  KEY keitai_search_key_used (used_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
