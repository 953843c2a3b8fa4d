-- 新着資料, precomputed: each record that has copies, with the day its newest copy was
-- acquired and its NDC class (the first digit of record.ndc, '' when it has none), so that
-- the new-arrivals page and its feed read one index range newest first instead of grouping
-- the copy table (~1 s at 100k records). A record is new when its newest copy was acquired
-- within the window, as before. Kept by every catalogue write in its transaction (with the
-- search index's stamp, search-index-repository.ts markRecordWritten) and rebuilt by the
-- new-arrivals job and after bulk loads (db/browse-repository.ts).
CREATE TABLE new_arrival (
  library_id INT UNSIGNED NOT NULL,
  record_id INT UNSIGNED NOT NULL,
  acquired_on DATE NOT NULL,
  ndc_class CHAR(1) CHARACTER SET ascii NOT NULL DEFAULT '',
  PRIMARY KEY (library_id, record_id),
  KEY new_arrival_library_day (library_id, acquired_on, record_id),
  KEY new_arrival_library_class_day (library_id, ndc_class, acquired_on, record_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- every copy upserts its record's row, keeping the newest day (no GROUP BY: no temporary table)
INSERT INTO new_arrival (library_id, record_id, acquired_on, ndc_class)
SELECT c.library_id, c.record_id, c.acquired_on, IF(r.ndc REGEXP '^[0-9]', LEFT(r.ndc, 1), '')
FROM copy c
JOIN record r ON r.library_id = c.library_id AND r.id = c.record_id
ON DUPLICATE KEY UPDATE acquired_on = GREATEST(new_arrival.acquired_on, VALUES(acquired_on));
