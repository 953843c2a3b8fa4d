-- reading_key, author_reading_key: the loose keys of the title reading (or of a title written in
-- kana) and of the author reading (or an author written in kana) — the folded reading without
-- the small っ and without vowels that lengthen the one before (services/search/
-- loose-reading.ts). When a kana query finds nothing, the search looks its loose key up as a
-- prefix of these (ぼちゃん → 坊っちゃん), from the indexes below. Computed with the other
-- search columns (search-fields.ts; the new SEARCH_VERSION refreshes every row at start-up).
ALTER TABLE record
  ADD COLUMN reading_key VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL DEFAULT '',
  ADD COLUMN author_reading_key VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL DEFAULT '',
  ADD KEY record_library_reading_key (library_id, reading_key),
  ADD KEY record_library_author_reading_key (library_id, author_reading_key)
