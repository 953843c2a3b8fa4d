-- Failure counters for login and identity checks, per card and per client address,
-- shared by every app instance. A row counts failures since window_start.
CREATE TABLE throttle (
  scope VARCHAR(16) CHARACTER SET ascii NOT NULL,
  subject VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  window_start DATETIME NOT NULL,
  failures INT UNSIGNED NOT NULL DEFAULT 0,
  locked_until DATETIME NULL,
  PRIMARY KEY (scope, subject)
) ENGINE=InnoDB DEFAULT CHARSET=ascii
