-- What kind of address the patron registered (rules B asks: パソコン or 携帯): mail to a mobile
-- address is kept short.
ALTER TABLE patron ADD COLUMN email_kind VARCHAR(8) CHARACTER SET ascii NOT NULL DEFAULT 'pc' AFTER email
