-- OAI-PMH harvests read a library's records in (updated_at, id) order from a cursor, and its
-- deleted records in (deleted_at, id) order: keyset pages instead of OFFSET.
ALTER TABLE record ADD KEY record_library_updated (library_id, updated_at, id);
ALTER TABLE catalogue_tombstone ADD KEY catalogue_tombstone_harvest (library_id, kind, deleted_at, id)
