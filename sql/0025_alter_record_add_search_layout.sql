-- search_layout: the lengths (in characters) of the eight folded fields that search_text is
-- made of, "title,reading,subtitle,series,author,author reading,publisher,subjects" (0 for an
-- empty field), so that the search index can tell which field a match is in (detailed search
-- by title, author or publisher). The sort keys (50音, year) get
-- indexes, so that a sorted page of a large result is read in key order.
ALTER TABLE record
  ADD COLUMN search_layout VARCHAR(80) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '',
  ADD KEY record_library_sort_title (library_id, sort_title, id),
  ADD KEY record_library_sort_author (library_id, sort_author, id),
  ADD KEY record_library_year (library_id, pub_year, id)
