-- Loans outlive their copy: when staff delete a copy, its past loans stay (the patron's loans,
-- rankings and popularity count them) with copy_id NULL and the copy's record kept in
-- record_id. record_id is written when the copy is deleted; while copy_id names a copy, the
-- loan's record is that copy's (readers take COALESCE(copy.record_id, loan.record_id)).
ALTER TABLE loan
  MODIFY copy_id INT UNSIGNED NULL,
  ADD COLUMN record_id INT UNSIGNED NULL AFTER copy_id
