-- What a patron looks up about a branch: where it is and how to call it (issue 14). Empty when
-- the library has not entered it; the page then shows the library's own number.
ALTER TABLE branch
  ADD COLUMN address VARCHAR(200) NOT NULL DEFAULT '',
  ADD COLUMN phone VARCHAR(20) CHARACTER SET ascii NOT NULL DEFAULT '',
  ADD COLUMN note VARCHAR(500) NOT NULL DEFAULT '';
