-- Online-service credentials. password_hash is NULL until the patron has a password;
-- password_is_initial marks a counter-issued initial password (rules B).
ALTER TABLE patron
  ADD COLUMN password_hash VARCHAR(255) CHARACTER SET ascii NULL,
  ADD COLUMN password_is_initial TINYINT(1) NOT NULL DEFAULT 0,
  ADD COLUMN password_changed_at DATETIME NULL
