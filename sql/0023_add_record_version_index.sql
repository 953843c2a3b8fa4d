-- Finding records whose folded search fields were made by an older normaliser.
ALTER TABLE record ADD KEY record_search_version (search_version)
