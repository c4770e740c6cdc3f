-- «Only groups with free seats» read from a kept fact per group instead of counting every candidate
-- group's seats at search time (docs/benchmarks.md, «Catalog search» and «Search engine»):
--
--   search_groupfreeseats   one row per open group with a seat left: its program and free_bits, the
--                           bits of catalog_schedule_bit() of the (weekday, part of day) cells it meets
--                           in, with bit 21 (ANY_FREE_GROUP) set for any such group, scheduled or not.
--                           No row: the group is full, closed, ended or gone.
--
-- Seats are still counted, never stored: a row is derived from the same count as the apply function's
-- (enrollments/migrations/sql/0012_apply_answer.sql: SUBMITTED, OFFERED, ACTIVE, and TERMINATED until
-- ends_on), recomputed in the transaction of every change that can take or free a seat or move when
-- the group meets. "Open" and "until ends_on" depend on the day: the nightly task recomputes every group
-- in batches of a few thousand, one transaction each, so that no seat change waits long for a group's
-- lock (search.services.group_free_seats_refresh); search_group_free_refresh() does all at once (the
-- backfill below, about 3 s for 150 000 groups, every group locked meanwhile).
--
-- A group's row is written only under that group's row lock (FOR NO KEY UPDATE), the lock every seat
-- change already holds (the lock order of issue 10: group, then its enrollments): so two writers never
-- count the same group from snapshots that miss each other's change. An acceptance keeps its seat and
-- takes no group lock: changes between two seat-holding statuses fire nothing here.
-- A table of its own, not columns of catalog_group or catalog_program: a seat change must not fire the
-- group's audit trail or the program's listing and facet triggers, nor lock the program's row.

CREATE OR REPLACE FUNCTION search_group_free_update(group_ids bigint[]) RETURNS integer AS $$
DECLARE
    changed integer;
    today date := catalog_local_date();
BEGIN
    IF coalesce(cardinality(group_ids), 0) = 0 THEN
        RETURN 0;
    END IF;
    PERFORM 1 FROM catalog_group g WHERE g.id = ANY(group_ids) ORDER BY g.id FOR NO KEY UPDATE;

    -- A new statement: its snapshot sees every change committed before the locks were granted.
    WITH wanted AS (
        SELECT DISTINCT id FROM unnest(group_ids) AS u(id) WHERE id IS NOT NULL
    ), computed AS (
        SELECT w.id AS group_id, g.program_id,
               CASE WHEN g.enrollment_open AND g.end_date >= today
                         AND g.capacity > (
                             SELECT count(*) FROM enrollments_enrollment e
                              WHERE e.group_id = g.id
                                AND (e.status IN ('SUBMITTED', 'OFFERED', 'ACTIVE')
                                     OR (e.status = 'TERMINATED' AND e.ends_on >= today)))
                    THEN (1 << 21) | coalesce((
                             SELECT bit_or(catalog_schedule_bit(s.weekday, s.start_time))
                               FROM catalog_scheduleslot s WHERE s.group_id = g.id), 0)
                    ELSE 0 END AS free_bits
          FROM wanted w LEFT JOIN catalog_group g ON g.id = w.id
    ), removed AS (
        DELETE FROM search_groupfreeseats f USING computed c
         WHERE f.group_id = c.group_id AND coalesce(c.free_bits, 0) = 0
        RETURNING 1
    ), written AS (
        INSERT INTO search_groupfreeseats AS f (group_id, program_id, free_bits)
        SELECT group_id, program_id, free_bits FROM computed WHERE free_bits <> 0
        ON CONFLICT (group_id) DO UPDATE SET program_id = EXCLUDED.program_id, free_bits = EXCLUDED.free_bits
         WHERE (f.program_id, f.free_bits) IS DISTINCT FROM (EXCLUDED.program_id, EXCLUDED.free_bits)
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM removed) + (SELECT count(*) FROM written) INTO changed;
    RETURN changed;
END;
$$ LANGUAGE plpgsql;

-- Every group, and the rows of groups that are gone (a TRUNCATE, a raw delete), in one transaction.
CREATE OR REPLACE FUNCTION search_group_free_refresh() RETURNS integer AS $$
    SELECT search_group_free_update(ARRAY(SELECT id FROM catalog_group UNION SELECT group_id FROM search_groupfreeseats));
$$ LANGUAGE sql;

-- Enrollments, row by row and only when a seat may have come or gone (the WHEN clauses run before any
-- function call, so an application put on the waiting list, an offer or an acceptance costs nothing here).
CREATE OR REPLACE FUNCTION search_enrollment_free_seats() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM search_group_free_update(ARRAY[NEW.group_id]);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM search_group_free_update(ARRAY[OLD.group_id]);
    ELSE
        PERFORM search_group_free_update(ARRAY[OLD.group_id, NEW.group_id]);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER search_enrollment_free_seats_insert
    AFTER INSERT ON enrollments_enrollment
    FOR EACH ROW WHEN (NEW.status IN ('SUBMITTED', 'OFFERED', 'ACTIVE', 'TERMINATED'))
    EXECUTE FUNCTION search_enrollment_free_seats();
CREATE TRIGGER search_enrollment_free_seats_update
    AFTER UPDATE ON enrollments_enrollment
    FOR EACH ROW WHEN (
        OLD.group_id IS DISTINCT FROM NEW.group_id
        OR (OLD.ends_on IS DISTINCT FROM NEW.ends_on AND 'TERMINATED' IN (OLD.status, NEW.status))
        OR (OLD.status IS DISTINCT FROM NEW.status
            AND NOT (OLD.status IN ('SUBMITTED', 'OFFERED', 'ACTIVE') AND NEW.status IN ('SUBMITTED', 'OFFERED', 'ACTIVE'))))
    EXECUTE FUNCTION search_enrollment_free_seats();
CREATE TRIGGER search_enrollment_free_seats_delete
    AFTER DELETE ON enrollments_enrollment
    FOR EACH ROW WHEN (OLD.status IN ('SUBMITTED', 'OFFERED', 'ACTIVE', 'TERMINATED'))
    EXECUTE FUNCTION search_enrollment_free_seats();

-- Groups, per statement (a load of thousands of groups is one pass): rows whose program, capacity,
-- dates or enrollment flag changed.
CREATE OR REPLACE FUNCTION search_group_free_seats() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM search_group_free_update(ARRAY(SELECT id FROM new_groups));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM search_group_free_update(ARRAY(SELECT id FROM old_groups));
    ELSE
        PERFORM search_group_free_update(ARRAY(
            SELECT id FROM (
                SELECT id, program_id, capacity, end_date, enrollment_open FROM new_groups
                EXCEPT SELECT id, program_id, capacity, end_date, enrollment_open FROM old_groups
            ) changed));
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER search_group_free_seats_insert
    AFTER INSERT ON catalog_group REFERENCING NEW TABLE AS new_groups
    FOR EACH STATEMENT EXECUTE FUNCTION search_group_free_seats();
CREATE TRIGGER search_group_free_seats_update
    AFTER UPDATE ON catalog_group REFERENCING OLD TABLE AS old_groups NEW TABLE AS new_groups
    FOR EACH STATEMENT EXECUTE FUNCTION search_group_free_seats();
CREATE TRIGGER search_group_free_seats_delete
    AFTER DELETE ON catalog_group REFERENCING OLD TABLE AS old_groups
    FOR EACH STATEMENT EXECUTE FUNCTION search_group_free_seats();

-- Schedule slots, per statement: the groups whose slots changed (under their locks, as above).
CREATE OR REPLACE FUNCTION search_scheduleslot_free_seats() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM search_group_free_update(ARRAY(SELECT DISTINCT group_id FROM new_slots));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM search_group_free_update(ARRAY(SELECT DISTINCT group_id FROM old_slots));
    ELSE
        PERFORM search_group_free_update(ARRAY(SELECT group_id FROM old_slots UNION SELECT group_id FROM new_slots));
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER search_scheduleslot_free_seats_insert
    AFTER INSERT ON catalog_scheduleslot REFERENCING NEW TABLE AS new_slots
    FOR EACH STATEMENT EXECUTE FUNCTION search_scheduleslot_free_seats();
CREATE TRIGGER search_scheduleslot_free_seats_update
    AFTER UPDATE ON catalog_scheduleslot REFERENCING OLD TABLE AS old_slots NEW TABLE AS new_slots
    FOR EACH STATEMENT EXECUTE FUNCTION search_scheduleslot_free_seats();
CREATE TRIGGER search_scheduleslot_free_seats_delete
    AFTER DELETE ON catalog_scheduleslot REFERENCING OLD TABLE AS old_slots
    FOR EACH STATEMENT EXECUTE FUNCTION search_scheduleslot_free_seats();

-- Backfill.
SELECT search_group_free_refresh();
