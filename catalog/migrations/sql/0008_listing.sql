-- What the catalog's search reads from one table instead of joining providers, groups and schedule
-- slots for every query (docs/benchmarks.md, "Catalog search"). All of it is kept by the database,
-- so that every writer (admin, services, QuerySet.update, COPY of the demo loader) keeps it right:
--
--   catalog_program.listed          the program is shown: certified, and its provider approved;
--   catalog_program.municipality_id its provider's municipality;
--   catalog_program.next_start      start date of the nearest open group (enrollment open, not ended);
--   catalog_program.schedule_mask   one bit per (weekday, part of day) in which an open group meets;
--   catalog_facetcell               how many listed programs share each combination of the facet and
--                                   filter columns, so that a query without text or schedule filters
--                                   counts its facets from about 11 000 cells instead of 100 000 rows.
--
-- "Open" depends on the day: catalog_program_open_groups_refresh() recomputes every program and is
-- run nightly by Celery beat (catalog.program_open_groups_refresh) and at the end of the demo loader.

-- This migration replaces the next_start functions and triggers of sql/next_start.sql.
DROP TRIGGER IF EXISTS catalog_group_next_start_delete ON catalog_group;
DROP TRIGGER IF EXISTS catalog_group_next_start_update ON catalog_group;
DROP TRIGGER IF EXISTS catalog_group_next_start_insert ON catalog_group;
DROP FUNCTION IF EXISTS catalog_group_next_start();
DROP FUNCTION IF EXISTS catalog_program_next_start_refresh();
DROP FUNCTION IF EXISTS catalog_program_next_start_update(bigint[]);

-- The bit of a schedule slot: weekday (0 = Monday) × part of day (morning before 12:00, afternoon
-- before 17:00, evening after). catalog.search.schedule_bits() computes the same bits in Python, and
-- tests/catalog/test_listing.py checks that the two agree.
CREATE OR REPLACE FUNCTION catalog_schedule_bit(weekday integer, start_time time) RETURNS integer AS $$
    SELECT 1 << (weekday * 3 + CASE WHEN start_time < '12:00' THEN 0 WHEN start_time < '17:00' THEN 1 ELSE 2 END);
$$ LANGUAGE sql IMMUTABLE;

-- Recompute next_start and schedule_mask for the given programs; returns how many rows changed.
CREATE OR REPLACE FUNCTION catalog_program_open_groups_update(program_ids bigint[]) RETURNS integer AS $$
DECLARE changed integer;
BEGIN
    UPDATE catalog_program p
       SET next_start = n.next_start, schedule_mask = n.schedule_mask
      FROM (SELECT pr.id,
                   (SELECT min(g.start_date) FROM catalog_group g
                     WHERE g.program_id = pr.id AND g.enrollment_open
                       AND g.end_date >= catalog_local_date()) AS next_start,
                   (SELECT coalesce(bit_or(catalog_schedule_bit(s.weekday, s.start_time)), 0)
                      FROM catalog_group g JOIN catalog_scheduleslot s ON s.group_id = g.id
                     WHERE g.program_id = pr.id AND g.enrollment_open
                       AND g.end_date >= catalog_local_date()) AS schedule_mask
              FROM catalog_program pr
             WHERE pr.id = ANY(program_ids)) n
     WHERE p.id = n.id
       AND (p.next_start IS DISTINCT FROM n.next_start OR p.schedule_mask <> n.schedule_mask);
    GET DIAGNOSTICS changed = ROW_COUNT;
    RETURN changed;
END;
$$ LANGUAGE plpgsql;

-- Every program (groups end with time); about 1.5 s for 100 000 programs, once a night.
CREATE OR REPLACE FUNCTION catalog_program_open_groups_refresh() RETURNS integer AS $$
    SELECT catalog_program_open_groups_update(ARRAY(SELECT id FROM catalog_program));
$$ LANGUAGE sql;

-- Statement-level triggers with transition tables: one recompute per statement over the distinct
-- programs it touched, so a COPY of many groups or slots costs one pass, not one per row. (A trigger
-- with transition tables may have one event only, hence three triggers per table over one function.)
CREATE OR REPLACE FUNCTION catalog_group_open_groups() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM catalog_program_open_groups_update(ARRAY(SELECT DISTINCT program_id FROM new_groups));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM catalog_program_open_groups_update(ARRAY(SELECT DISTINCT program_id FROM old_groups));
    ELSE
        -- Only rows whose program, dates or enrollment flag changed; both the old and the new
        -- program when a group moves.
        PERFORM catalog_program_open_groups_update(ARRAY(
            SELECT program_id FROM (
                (SELECT id, program_id, start_date, end_date, enrollment_open FROM old_groups
                 EXCEPT SELECT id, program_id, start_date, end_date, enrollment_open FROM new_groups)
                UNION ALL
                (SELECT id, program_id, start_date, end_date, enrollment_open FROM new_groups
                 EXCEPT SELECT id, program_id, start_date, end_date, enrollment_open FROM old_groups)
            ) changed
            GROUP BY program_id));
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER catalog_group_open_groups_insert
    AFTER INSERT ON catalog_group REFERENCING NEW TABLE AS new_groups
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_group_open_groups();
CREATE TRIGGER catalog_group_open_groups_update
    AFTER UPDATE ON catalog_group REFERENCING OLD TABLE AS old_groups NEW TABLE AS new_groups
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_group_open_groups();
CREATE TRIGGER catalog_group_open_groups_delete
    AFTER DELETE ON catalog_group REFERENCING OLD TABLE AS old_groups
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_group_open_groups();

CREATE OR REPLACE FUNCTION catalog_scheduleslot_open_groups() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM catalog_program_open_groups_update(ARRAY(
            SELECT DISTINCT g.program_id FROM catalog_group g WHERE g.id IN (SELECT group_id FROM new_slots)));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM catalog_program_open_groups_update(ARRAY(
            SELECT DISTINCT g.program_id FROM catalog_group g WHERE g.id IN (SELECT group_id FROM old_slots)));
    ELSE
        PERFORM catalog_program_open_groups_update(ARRAY(
            SELECT DISTINCT g.program_id FROM catalog_group g
             WHERE g.id IN (SELECT group_id FROM old_slots UNION SELECT group_id FROM new_slots)));
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER catalog_scheduleslot_open_groups_insert
    AFTER INSERT ON catalog_scheduleslot REFERENCING NEW TABLE AS new_slots
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_scheduleslot_open_groups();
CREATE TRIGGER catalog_scheduleslot_open_groups_update
    AFTER UPDATE ON catalog_scheduleslot REFERENCING OLD TABLE AS old_slots NEW TABLE AS new_slots
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_scheduleslot_open_groups();
CREATE TRIGGER catalog_scheduleslot_open_groups_delete
    AFTER DELETE ON catalog_scheduleslot REFERENCING OLD TABLE AS old_slots
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_scheduleslot_open_groups();

-- listed and municipality_id follow the program's status and its provider on every insert and update,
-- whatever the statement sets them to.
CREATE OR REPLACE FUNCTION catalog_program_listing() RETURNS trigger AS $$
BEGIN
    SELECT NEW.status = 'CERTIFIED' AND v.status = 'APPROVED', v.municipality_id
      INTO NEW.listed, NEW.municipality_id
      FROM catalog_provider v WHERE v.id = NEW.provider_id;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER catalog_program_listing
    BEFORE INSERT OR UPDATE ON catalog_program
    FOR EACH ROW EXECUTE FUNCTION catalog_program_listing();

-- A provider approved, suspended or moved: its programs recompute (through the trigger above).
CREATE OR REPLACE FUNCTION catalog_provider_listing() RETURNS trigger AS $$
BEGIN
    UPDATE catalog_program SET listed = listed WHERE provider_id = NEW.id;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER catalog_provider_listing
    AFTER UPDATE OF status, municipality_id ON catalog_provider
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.municipality_id IS DISTINCT FROM NEW.municipality_id)
    EXECUTE FUNCTION catalog_provider_listing();

-- The facet cells. Each statement on catalog_program adds its new listed rows to their cells and takes
-- its old listed rows away from theirs; an update that changes none of a cell's columns nets to zero
-- and writes nothing. Existing cells are locked in id order, so that concurrent writers wait for each
-- other instead of deadlocking, and updated; missing ones are inserted (a concurrent insert of the
-- same cell is added to). The delta is not applied through INSERT ... ON CONFLICT alone because
-- PostgreSQL checks the CHECK constraint on the proposed row, and a negative delta would fail it.
-- (A transition table exists only for its own events: the event chooses the rows.)
CREATE OR REPLACE FUNCTION catalog_program_facetcells() RETURNS trigger AS $$
DECLARE
    cell text := 'direction_id, municipality_id, funding, special_needs, age_min, age_max';
    same_cell text := '(c.direction_id, c.municipality_id, c.funding, c.special_needs, c.age_min, c.age_max)
                     = (d.direction_id, d.municipality_id, d.funding, d.special_needs, d.age_min, d.age_max)';
    added text := format('SELECT %s, 1 AS delta FROM new_programs WHERE listed', cell);
    removed text := format('SELECT %s, -1 AS delta FROM old_programs WHERE listed', cell);
    delta text;
BEGIN
    delta := format(
        '(SELECT %s, sum(delta)::integer AS delta FROM (%s) rows GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(delta) <> 0)',
        cell,
        CASE TG_OP WHEN 'INSERT' THEN added WHEN 'DELETE' THEN removed ELSE removed || ' UNION ALL ' || added END);
    EXECUTE format('SELECT 1 FROM catalog_facetcell c JOIN %s d ON %s ORDER BY c.id FOR UPDATE OF c', delta, same_cell);
    EXECUTE format('UPDATE catalog_facetcell c SET programs = c.programs + d.delta FROM %s d WHERE %s', delta, same_cell);
    EXECUTE format(
        'INSERT INTO catalog_facetcell AS c (%1$s, programs)
         SELECT %1$s, delta FROM %2$s d
          WHERE NOT EXISTS (SELECT 1 FROM catalog_facetcell c WHERE %3$s)
          ORDER BY 1, 2, 3, 4, 5, 6
         ON CONFLICT (%1$s) DO UPDATE SET programs = c.programs + EXCLUDED.programs',
        cell, delta, same_cell);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER catalog_program_facetcells_insert
    AFTER INSERT ON catalog_program REFERENCING NEW TABLE AS new_programs
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_program_facetcells();
CREATE TRIGGER catalog_program_facetcells_update
    AFTER UPDATE ON catalog_program REFERENCING OLD TABLE AS old_programs NEW TABLE AS new_programs
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_program_facetcells();
CREATE TRIGGER catalog_program_facetcells_delete
    AFTER DELETE ON catalog_program REFERENCING OLD TABLE AS old_programs
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_program_facetcells();

-- Count every cell again from the programs (after a TRUNCATE, which fires no row triggers, or to
-- check the cells: tests/catalog/test_listing.py compares the two).
CREATE OR REPLACE FUNCTION catalog_facetcells_rebuild() RETURNS integer AS $$
DECLARE cells integer;
BEGIN
    DELETE FROM catalog_facetcell;
    INSERT INTO catalog_facetcell (direction_id, municipality_id, funding, special_needs, age_min, age_max, programs)
    SELECT direction_id, municipality_id, funding, special_needs, age_min, age_max, count(*)
      FROM catalog_program WHERE listed
     GROUP BY 1, 2, 3, 4, 5, 6;
    GET DIAGNOSTICS cells = ROW_COUNT;
    RETURN cells;
END;
$$ LANGUAGE plpgsql;

-- Backfill: listed and municipality_id through the row trigger, then the open groups, then the cells.
UPDATE catalog_program SET listed = listed;
SELECT catalog_program_open_groups_refresh();
SELECT catalog_facetcells_rebuild();
-- Check the deferred foreign keys of the backfilled rows now: the migration builds indexes next, and
-- PostgreSQL refuses CREATE INDEX on a table with pending trigger events.
SET CONSTRAINTS ALL IMMEDIATE;
SET CONSTRAINTS ALL DEFERRED;
