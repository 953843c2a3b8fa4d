-- When the sender began handing this mail to the SMTP server (NULL: not being sent). Set in its
-- own committed transaction just before the SMTP conversation, cleared when the mail is marked
-- sent or failed. A row found with sending_at set and sent_at NULL after its claim ran out was
-- being sent by a sender that died: the server may or may not have taken it. It is sent again
-- with the same Message-ID (at least once: a receiver can recognise the duplicate).
ALTER TABLE mail_outbox ADD COLUMN sending_at DATETIME NULL AFTER claimed_until
