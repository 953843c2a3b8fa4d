-- Staff API tokens (SPEC.md §9): one per staff system, per library. Only a SHA-256 hash of the
-- token is kept (the token is 256 random bits, shown once when created); revoked tokens stay
-- for the audit trail.
CREATE TABLE staff_token (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT,
  library_id INT UNSIGNED NOT NULL,
  name VARCHAR(64) NOT NULL,
  token_hash CHAR(64) CHARACTER SET ascii NOT NULL,
  created_at DATETIME NOT NULL,
  last_used_at DATETIME NULL,
  revoked_at DATETIME NULL,
  PRIMARY KEY (id),
  UNIQUE KEY staff_token_hash (token_hash),
  UNIQUE KEY staff_token_library_name (library_id, name),
  CONSTRAINT staff_token_library_fk FOREIGN KEY (library_id) REFERENCES library (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
