-- A physical copy (所蔵) of a record, held at a branch. status is kept by circulation.
CREATE TABLE copy (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT,
  library_id INT UNSIGNED NOT NULL,
  record_id INT UNSIGNED NOT NULL,
  branch_id INT UNSIGNED NOT NULL,
  barcode VARCHAR(20) CHARACTER SET ascii NOT NULL,
  call_number VARCHAR(64) NOT NULL DEFAULT '',
  shelf_location VARCHAR(16) CHARACTER SET ascii NOT NULL,
  status VARCHAR(16) CHARACTER SET ascii NOT NULL DEFAULT 'available',
  reference_only TINYINT(1) NOT NULL DEFAULT 0,
  issue_label VARCHAR(64) NOT NULL DEFAULT '',
  issue_date DATE NULL,
  acquired_on DATE NOT NULL,
  created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (id),
  UNIQUE KEY copy_library_barcode (library_id, barcode),
  UNIQUE KEY copy_library_id (library_id, id),
  KEY copy_library_record (library_id, record_id, status),
  CONSTRAINT copy_record_fk FOREIGN KEY (library_id, record_id) REFERENCES record (library_id, id),
  CONSTRAINT copy_branch_fk FOREIGN KEY (library_id, branch_id) REFERENCES branch (library_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
