-- New arrivals (新着資料) look up copies acquired since a day, per library.
ALTER TABLE copy ADD KEY copy_library_acquired (library_id, acquired_on)
