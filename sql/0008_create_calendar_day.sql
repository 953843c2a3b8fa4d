-- Exceptions to a library's weekly pattern of closed days (settings closedWeekdays):
-- is_open = 0 closes an ordinarily open day (年末年始, 特別整理期間), 1 opens a closed one.
CREATE TABLE calendar_day (
  library_id INT UNSIGNED NOT NULL,
  day DATE NOT NULL,
  is_open TINYINT(1) NOT NULL,
  note VARCHAR(100) NOT NULL DEFAULT '',
  PRIMARY KEY (library_id, day),
  CONSTRAINT calendar_day_library_fk FOREIGN KEY (library_id) REFERENCES library (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
