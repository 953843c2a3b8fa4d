-- お気に入り: a flat list of records per patron.
CREATE TABLE favourite (
  library_id INT UNSIGNED NOT NULL,
  patron_id INT UNSIGNED NOT NULL,
  record_id INT UNSIGNED NOT NULL,
  created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (library_id, patron_id, record_id),
  CONSTRAINT favourite_patron_fk FOREIGN KEY (library_id, patron_id) REFERENCES patron (library_id, id),
  CONSTRAINT favourite_record_fk FOREIGN KEY (library_id, record_id) REFERENCES record (library_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
