-- Browsing by classification counts records per NDC prefix within a library.
ALTER TABLE record ADD KEY record_library_ndc (library_id, ndc)
