-- A branch's own exceptions to its library's calendar (a branch closed for 蔵書点検 while the
-- others open). Without a row a branch follows the library's calendar (calendar_day).
CREATE TABLE branch_calendar_day (
  library_id INT UNSIGNED NOT NULL,
  branch_id INT UNSIGNED NOT NULL,
  day DATE NOT NULL,
  is_open TINYINT(1) NOT NULL,
  note VARCHAR(100) NOT NULL DEFAULT '',
  PRIMARY KEY (library_id, branch_id, day),
  CONSTRAINT branch_calendar_day_branch_fk FOREIGN KEY (branch_id) REFERENCES branch (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
