-- My本棚: named shelves of a patron.
CREATE TABLE shelf (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT,
  library_id INT UNSIGNED NOT NULL,
  patron_id INT UNSIGNED NOT NULL,
  name VARCHAR(50) NOT NULL,
  created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (id),
  UNIQUE KEY shelf_library_id (library_id, id),
  UNIQUE KEY shelf_patron_name (library_id, patron_id, name),
  CONSTRAINT shelf_patron_fk FOREIGN KEY (library_id, patron_id) REFERENCES patron (library_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
