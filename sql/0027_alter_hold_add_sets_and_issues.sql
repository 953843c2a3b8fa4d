-- Set holds (セット予約, rules A: volumes received in the order the patron gave): set_id groups
-- the holds of one set (the id of its first hold) and set_order is the receiving order, 1, 2, ….
-- copy_id is the issue asked for when a magazine is held issue by issue (NULL: any copy of the
-- title). request_key ties together the holds placed by one confirmation (one press of 予約する).
ALTER TABLE hold
  ADD COLUMN copy_id INT UNSIGNED NULL AFTER record_id,
  ADD COLUMN set_id INT UNSIGNED NULL AFTER contact_method,
  ADD COLUMN set_order TINYINT UNSIGNED NULL AFTER set_id,
  ADD COLUMN request_key CHAR(22) CHARACTER SET ascii NULL AFTER set_order,
  ADD COLUMN updated_at DATETIME NULL,
  ADD KEY hold_queue (library_id, record_id, status, formal_at),
  DROP KEY hold_library_record,
  ADD KEY hold_status_formal (library_id, status, formal_at),
  ADD KEY hold_trapped_copy (library_id, trapped_copy_id)
