-- A loan (貸出) of a copy to a patron. Active while returned_at IS NULL.
CREATE TABLE loan (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT,
  library_id INT UNSIGNED NOT NULL,
  copy_id INT UNSIGNED NOT NULL,
  patron_id INT UNSIGNED NOT NULL,
  loaned_on DATE NOT NULL,
  due_on DATE NOT NULL,
  renewal_count TINYINT UNSIGNED NOT NULL DEFAULT 0,
  returned_at DATETIME NULL,
  created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (id),
  KEY loan_library_patron (library_id, patron_id, returned_at),
  KEY loan_library_copy (library_id, copy_id, returned_at),
  CONSTRAINT loan_copy_fk FOREIGN KEY (library_id, copy_id) REFERENCES copy (library_id, id),
  CONSTRAINT loan_patron_fk FOREIGN KEY (library_id, patron_id) REFERENCES patron (library_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
