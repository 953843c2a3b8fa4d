-- search_layout: the lengths (in characters) of the eight folded fields that search_text is
-- made of, "title,reading,subtitle,series,author,author reading,publisher,subjects" (0 for an
-- empty field), so that the search index can tell which field a match is in (detailed search
-- by title, author or publisher). The 50音 title order, which the
-- index reads when it is built, gets an index.
ALTER TABLE record
  ADD COLUMN search_layout VARCHAR(80) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '',
  ADD KEY record_library_sort_title (library_id, sort_title, id)
