-- A record on a My本棚 shelf.
CREATE TABLE shelf_item (
  library_id INT UNSIGNED NOT NULL,
  shelf_id INT UNSIGNED NOT NULL,
  record_id INT UNSIGNED NOT NULL,
  added_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (library_id, shelf_id, record_id),
  CONSTRAINT shelf_item_shelf_fk FOREIGN KEY (library_id, shelf_id) REFERENCES shelf (library_id, id) ON DELETE CASCADE,
  CONSTRAINT shelf_item_record_fk FOREIGN KEY (library_id, record_id) REFERENCES record (library_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
