-- title_proper_key: the title proper and its reading, folded and framed like title_key
-- (\u0001title\u0001reading\u0001), for the detailed search's 前方一致 and 完全一致 on the title:
-- they compare the title itself, not its subtitle or series (which title_key also holds and
-- which the form can ask for). Computed by services/search/search-fields.ts.
ALTER TABLE record
  ADD COLUMN title_proper_key VARCHAR(600) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL DEFAULT ''
