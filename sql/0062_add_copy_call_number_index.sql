-- Call-number (請求記号) searches read the records with a copy whose call number starts with a
-- prefix from this index (a range of it), and hand them to the search index as a filter.
ALTER TABLE copy ADD KEY copy_library_call_number (library_id, call_number, record_id)
