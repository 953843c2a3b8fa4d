-- Counter maintenance of patrons: a suspension (利用停止, with a reason staff see) and the age
-- group the registration records (一般 / ヤング / 児童).
ALTER TABLE patron
  ADD COLUMN age_group VARCHAR(16) CHARACTER SET ascii NOT NULL DEFAULT 'adult',
  ADD COLUMN suspended_at DATETIME NULL,
  ADD COLUMN suspended_reason VARCHAR(200) NOT NULL DEFAULT ''
