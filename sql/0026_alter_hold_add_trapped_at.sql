-- When the copy of a ready (受取り可) hold was secured for it (UTC): rules B count the shelf
-- period's opening days from the day after this (確保日の翌開館日から7開館日).
ALTER TABLE hold ADD COLUMN trapped_at DATETIME NULL AFTER trapped_copy_id
