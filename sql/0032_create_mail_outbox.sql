-- Mail waiting to be sent, and what became of it (a transactional outbox): each row is written
-- in the same transaction as the change that causes it. The sender claims due rows (FOR UPDATE
-- SKIP LOCKED, then claimed_until), sends them and marks them sent; a failure is retried with a
-- growing delay until the library gives up on it (failed_at, shown to staff). The body of a
-- sent mail is cleared: it may carry a confirmation link.
CREATE TABLE mail_outbox (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT,
  library_id INT UNSIGNED NOT NULL,
  patron_id INT UNSIGNED NULL,
  kind VARCHAR(24) CHARACTER SET ascii NOT NULL,
  to_address VARCHAR(254) NOT NULL,
  from_address VARCHAR(254) NOT NULL,
  subject VARCHAR(200) NOT NULL,
  body MEDIUMTEXT NOT NULL,
  message_id VARCHAR(200) CHARACTER SET ascii NOT NULL,
  created_at DATETIME NOT NULL,
  next_attempt_at DATETIME NOT NULL,
  attempts SMALLINT UNSIGNED NOT NULL DEFAULT 0,
  claim CHAR(22) CHARACTER SET ascii NULL,
  claimed_until DATETIME NULL,
  sent_at DATETIME NULL,
  failed_at DATETIME NULL,
  last_error VARCHAR(500) NULL,
  PRIMARY KEY (id),
  UNIQUE KEY mail_outbox_message (message_id),
  KEY mail_outbox_due (sent_at, failed_at, next_attempt_at),
  KEY mail_outbox_patron (library_id, patron_id, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
