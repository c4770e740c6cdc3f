-- Back to 0009's function (without open_starts), before the column goes.
CREATE OR REPLACE FUNCTION catalog_program_open_groups_update(program_ids bigint[]) RETURNS integer AS $$
DECLARE changed integer;
BEGIN
    WITH programs AS (
        SELECT DISTINCT id FROM unnest(program_ids) AS t(id)
    ), open_groups AS (
        SELECT g.id, g.program_id, g.start_date
          FROM programs pr JOIN catalog_group g ON g.program_id = pr.id
         WHERE g.enrollment_open AND g.end_date >= catalog_local_date()
    ), starts AS (
        SELECT program_id, min(start_date) AS next_start FROM open_groups GROUP BY program_id
    ), masks AS (
        SELECT og.program_id, bit_or(catalog_schedule_bit(s.weekday, s.start_time)) AS schedule_mask
          FROM open_groups og JOIN catalog_scheduleslot s ON s.group_id = og.id
         GROUP BY og.program_id
    ), wanted AS (
        SELECT pr.id, st.next_start, coalesce(m.schedule_mask, 0) AS schedule_mask
          FROM programs pr
          LEFT JOIN starts st ON st.program_id = pr.id
          LEFT JOIN masks m ON m.program_id = pr.id
    )
    UPDATE catalog_program p
       SET next_start = w.next_start, schedule_mask = w.schedule_mask
      FROM wanted w
     WHERE p.id = w.id
       AND (p.next_start IS DISTINCT FROM w.next_start OR p.schedule_mask <> w.schedule_mask);
    GET DIAGNOSTICS changed = ROW_COUNT;
    RETURN changed;
END;
$$ LANGUAGE plpgsql;
