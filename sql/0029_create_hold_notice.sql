-- Notices about holds waiting to be sent (an outbox): written in the same transaction as the
-- change that causes them — a hold became 受取り可 ('ready'), or an uncollected hold was
-- cancelled after its deadline ('expired'). The mail job groups a patron's unsent notices
-- into one mail and stamps them with that mail.
CREATE TABLE hold_notice (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT,
  library_id INT UNSIGNED NOT NULL,
  patron_id INT UNSIGNED NOT NULL,
  hold_id INT UNSIGNED NOT NULL,
  kind VARCHAR(16) CHARACTER SET ascii NOT NULL,
  created_at DATETIME NOT NULL,
  mail_id INT UNSIGNED NULL,
  PRIMARY KEY (id),
  KEY hold_notice_unsent (library_id, mail_id, patron_id),
  KEY hold_notice_hold (library_id, hold_id),
  CONSTRAINT hold_notice_patron_fk FOREIGN KEY (library_id, patron_id) REFERENCES patron (library_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
