-- express-session rows, shared by every app instance. expires_at is UTC.
CREATE TABLE session (
  sid VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  expires_at DATETIME NOT NULL,
  data TEXT NOT NULL,
  PRIMARY KEY (sid),
  KEY session_expires (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
