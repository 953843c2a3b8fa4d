-- A hold (予約) on a record. status: requested (依頼中) → waiting (N位) → ready (受取り可),
-- then collected / cancelled / expired. Counter, telephone and web holds share this table.
CREATE TABLE hold (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT,
  library_id INT UNSIGNED NOT NULL,
  record_id INT UNSIGNED NOT NULL,
  patron_id INT UNSIGNED NOT NULL,
  pickup_branch_id INT UNSIGNED NOT NULL,
  status VARCHAR(16) CHARACTER SET ascii NOT NULL,
  channel VARCHAR(8) CHARACTER SET ascii NOT NULL,
  contact_method VARCHAR(8) CHARACTER SET ascii NOT NULL DEFAULT 'none',
  requested_at DATETIME NOT NULL,
  formal_at DATETIME NULL,
  trapped_copy_id INT UNSIGNED NULL,
  pickup_deadline DATE NULL,
  created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (id),
  KEY hold_library_record (library_id, record_id, status),
  KEY hold_library_patron (library_id, patron_id, status),
  CONSTRAINT hold_record_fk FOREIGN KEY (library_id, record_id) REFERENCES record (library_id, id),
  CONSTRAINT hold_patron_fk FOREIGN KEY (library_id, patron_id) REFERENCES patron (library_id, id),
  CONSTRAINT hold_branch_fk FOREIGN KEY (library_id, pickup_branch_id) REFERENCES branch (library_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
