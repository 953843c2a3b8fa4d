-- Posting lists of the catalogue search index, one row per list and segment (a range of
-- document ordinals): gkey is a kind byte and its key (u: one character, b: two characters
-- with positions, f: first character of the title, n: NDC prefix, D: the document table), data
-- the packed delta + varint bytes (server/services/search/postings.ts). Rows of a generation
-- never change; a rebuild writes a new generation and deletes the old one.
CREATE TABLE search_posting (
  library_id INT UNSIGNED NOT NULL,
  gen INT UNSIGNED NOT NULL,
  gkey VARBINARY(64) NOT NULL,
  seg SMALLINT UNSIGNED NOT NULL,
  doc_count INT UNSIGNED NOT NULL,
  data MEDIUMBLOB NOT NULL,
  PRIMARY KEY (library_id, gen, gkey, seg)
) ENGINE=InnoDB
