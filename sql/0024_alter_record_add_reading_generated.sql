-- Readings (ヨミ) the loader generated because the source had none are marked, so staff can
-- tell them from catalogued ones and the detail page can say so.
ALTER TABLE record
  ADD COLUMN title_reading_generated TINYINT(1) NOT NULL DEFAULT 0,
  ADD COLUMN author_reading_generated TINYINT(1) NOT NULL DEFAULT 0
