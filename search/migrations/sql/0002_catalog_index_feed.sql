-- The catalog's search index (search.engine) kept in step through the outbox: every change of what the
-- index holds of a program writes, in the changing transaction, one outbox message
-- `search.index_programs` with the programs' ids; the task rewrites their documents.
--
-- What the index holds: the program's searched columns (text, direction, municipality, funding, ages,
-- special needs, rating, whether it is listed, and the kept next_start, schedule_mask and open_starts,
-- which follow its groups by the triggers of catalog/migrations/sql/0008_listing.sql and 0022), and its
-- groups' free seats (search_groupfreeseats, kept by 0001_group_free_seats.sql).
--
-- Statement-level triggers with transition tables: a bulk change (the nightly refresh of next_start)
-- is one message, and a statement that changed no row writes none. Nothing at all is written while the
-- deployment has no index (no search_catalogindexfeed row: the first build adds it).
CREATE OR REPLACE FUNCTION search_index_enqueue(program_ids bigint[]) RETURNS void AS $$
BEGIN
    IF cardinality(program_ids) > 0 THEN
        INSERT INTO core_outboxmessage (task, args, created_at, dispatched_at, attempts, last_error)
        VALUES ('search.index_programs', jsonb_build_array(to_jsonb(program_ids)), now(), NULL, 0, '');
    END IF;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION search_index_program_changed() RETURNS trigger AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM search_catalogindexfeed) THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        PERFORM search_index_enqueue(ARRAY(SELECT id FROM new_rows WHERE listed ORDER BY id));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM search_index_enqueue(ARRAY(SELECT id FROM old_rows WHERE listed ORDER BY id));
    ELSE
        PERFORM search_index_enqueue(ARRAY(
            SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
             WHERE (n.listed OR o.listed)
               AND (n.title, n.activity_type, n.description, n.direction_id, n.municipality_id, n.funding,
                    n.special_needs, n.age_min, n.age_max, n.rating, n.rating_count, n.listed, n.next_start,
                    n.schedule_mask, n.open_starts)
                   IS DISTINCT FROM
                   (o.title, o.activity_type, o.description, o.direction_id, o.municipality_id, o.funding,
                    o.special_needs, o.age_min, o.age_max, o.rating, o.rating_count, o.listed, o.next_start,
                    o.schedule_mask, o.open_starts)
             ORDER BY n.id));
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION search_index_free_seats_changed() RETURNS trigger AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM search_catalogindexfeed) THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        PERFORM search_index_enqueue(ARRAY(SELECT DISTINCT program_id FROM new_rows ORDER BY program_id));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM search_index_enqueue(ARRAY(SELECT DISTINCT program_id FROM old_rows ORDER BY program_id));
    ELSE
        PERFORM search_index_enqueue(ARRAY(
            SELECT program_id FROM new_rows UNION SELECT program_id FROM old_rows ORDER BY 1));
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER search_index_program_insert AFTER INSERT ON catalog_program
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION search_index_program_changed();
CREATE TRIGGER search_index_program_update AFTER UPDATE ON catalog_program
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION search_index_program_changed();
CREATE TRIGGER search_index_program_delete AFTER DELETE ON catalog_program
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION search_index_program_changed();

CREATE TRIGGER search_index_free_seats_insert AFTER INSERT ON search_groupfreeseats
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION search_index_free_seats_changed();
CREATE TRIGGER search_index_free_seats_update AFTER UPDATE ON search_groupfreeseats
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION search_index_free_seats_changed();
CREATE TRIGGER search_index_free_seats_delete AFTER DELETE ON search_groupfreeseats
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION search_index_free_seats_changed();
