-- A requested change (or first registration) of a patron's e-mail address, waiting for the
-- patron to open the link mailed to the new address or type its code (SPEC.md §6). Only hashes
-- of the link's token and of the code are kept. A newer request ends the older one; a change
-- is done once (confirmed_at), and never after expires_at.
CREATE TABLE email_change (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT,
  library_id INT UNSIGNED NOT NULL,
  patron_id INT UNSIGNED NOT NULL,
  address VARCHAR(254) NOT NULL,
  address_kind VARCHAR(8) CHARACTER SET ascii NOT NULL,
  token_hash CHAR(64) CHARACTER SET ascii NOT NULL,
  code_hash CHAR(64) CHARACTER SET ascii NOT NULL,
  code_failures TINYINT UNSIGNED NOT NULL DEFAULT 0,
  created_at DATETIME NOT NULL,
  expires_at DATETIME NOT NULL,
  confirmed_at DATETIME NULL,
  ended_at DATETIME NULL,
  PRIMARY KEY (id),
  UNIQUE KEY email_change_token (token_hash),
  KEY email_change_patron (library_id, patron_id, confirmed_at, ended_at),
  CONSTRAINT email_change_patron_fk FOREIGN KEY (library_id, patron_id) REFERENCES patron (library_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
