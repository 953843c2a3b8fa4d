-- When a loan was last renewed (UTC): an audit fact, and how a second press of 延長する
-- a moment after the first is recognised as the same renewal.
ALTER TABLE loan ADD COLUMN renewed_at DATETIME NULL
