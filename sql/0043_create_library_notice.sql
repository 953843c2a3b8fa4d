-- お知らせ: library news that staff post and withdraw; shown on the library's top page from
-- show_from to show_until (inclusive, Asia/Tokyo dates; null: until withdrawn).
CREATE TABLE library_notice (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT,
  library_id INT UNSIGNED NOT NULL,
  title VARCHAR(100) NOT NULL,
  body TEXT NOT NULL,
  show_from DATE NOT NULL,
  show_until DATE NULL,
  created_at DATETIME NOT NULL,
  withdrawn_at DATETIME NULL,
  PRIMARY KEY (id),
  KEY library_notice_shown (library_id, withdrawn_at, show_from),
  CONSTRAINT library_notice_library_fk FOREIGN KEY (library_id) REFERENCES library (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
