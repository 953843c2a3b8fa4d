-- Copy filters of the catalogue search (held at a branch, available now): the copies of a
-- list of records checked from the index alone, and the per-library snapshot of which records
-- have such copies read from it without touching the rows.
ALTER TABLE copy ADD KEY copy_search_facts (library_id, record_id, branch_id, status, reference_only)
