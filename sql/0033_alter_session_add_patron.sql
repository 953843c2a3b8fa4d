-- The logged-in patron of a session row (NULL for visitors), so that a password change can end
-- every other session of that patron at once.
ALTER TABLE session ADD COLUMN patron_id INT UNSIGNED NULL AFTER expires_at, ADD KEY session_patron (patron_id)
