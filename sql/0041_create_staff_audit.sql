-- One row per staff API call: which token, what (method and route pattern, never ids of
-- patrons, query strings or bodies), the answer's status. No personal data.
CREATE TABLE staff_audit (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  library_id INT UNSIGNED NOT NULL,
  token_id INT UNSIGNED NOT NULL,
  token_name VARCHAR(64) NOT NULL,
  method VARCHAR(8) CHARACTER SET ascii NOT NULL,
  route VARCHAR(200) CHARACTER SET ascii NOT NULL,
  status SMALLINT UNSIGNED NOT NULL,
  created_at DATETIME NOT NULL,
  PRIMARY KEY (id),
  KEY staff_audit_library_time (library_id, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
