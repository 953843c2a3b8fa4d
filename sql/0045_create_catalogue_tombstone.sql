-- What was deleted from the catalogue, for interoperation (harvesters learn of deletions):
-- one row per deleted record or copy, with the record's source identifiers.
CREATE TABLE catalogue_tombstone (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  library_id INT UNSIGNED NOT NULL,
  kind VARCHAR(8) CHARACTER SET ascii NOT NULL,
  item_id INT UNSIGNED NOT NULL,
  record_id INT UNSIGNED NOT NULL,
  source VARCHAR(16) CHARACTER SET ascii NOT NULL DEFAULT '',
  source_id VARCHAR(32) CHARACTER SET ascii NOT NULL DEFAULT '',
  barcode VARCHAR(40) NOT NULL DEFAULT '',
  deleted_at DATETIME NOT NULL,
  PRIMARY KEY (id),
  KEY catalogue_tombstone_library_time (library_id, deleted_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
