-- Reverse of 0009_sql_functions_current.sql: the function as 0008_listing.sql installed it.

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
