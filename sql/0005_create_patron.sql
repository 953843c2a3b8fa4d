-- A registered patron (利用者). Login credentials come with the patron-accounts migrations.
CREATE TABLE patron (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT,
  library_id INT UNSIGNED NOT NULL,
  card_number VARCHAR(20) CHARACTER SET ascii NOT NULL,
  full_name VARCHAR(100) NOT NULL,
  full_name_reading VARCHAR(100) NOT NULL DEFAULT '',
  birth_date DATE NOT NULL,
  residency VARCHAR(16) CHARACTER SET ascii NOT NULL DEFAULT 'resident',
  disability_service TINYINT(1) NOT NULL DEFAULT 0,
  email VARCHAR(254) NULL,
  created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (id),
  UNIQUE KEY patron_library_card (library_id, card_number),
  UNIQUE KEY patron_library_id (library_id, id),
  CONSTRAINT patron_library_fk FOREIGN KEY (library_id) REFERENCES library (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
