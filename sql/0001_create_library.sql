-- A library system (tenant). Every library-owned row below carries library_id.
CREATE TABLE library (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT,
  slug VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  name VARCHAR(100) NOT NULL,
  rules_preset CHAR(1) CHARACTER SET ascii NOT NULL,
  settings_json TEXT NOT NULL,
  phone VARCHAR(20) CHARACTER SET ascii NOT NULL DEFAULT '',
  sort_order SMALLINT NOT NULL DEFAULT 0,
  created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (id),
  UNIQUE KEY library_slug (slug)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
