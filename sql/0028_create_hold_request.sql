-- What one confirmation of holds (one press of 予約する / 送信) did, kept so that a second press
-- of the same confirmation shows the same completion instead of placing anything again, and
-- so that the completion page can be shown from its key. Written in the transaction that
-- places the holds.
CREATE TABLE hold_request (
  library_id INT UNSIGNED NOT NULL,
  patron_id INT UNSIGNED NOT NULL,
  request_key CHAR(22) CHARACTER SET ascii NOT NULL,
  result_json MEDIUMTEXT NOT NULL,
  created_at DATETIME NOT NULL,
  PRIMARY KEY (library_id, patron_id, request_key),
  CONSTRAINT hold_request_patron_fk FOREIGN KEY (library_id, patron_id) REFERENCES patron (library_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
