DROP TRIGGER IF EXISTS catalog_group_next_start_delete ON catalog_group;
DROP TRIGGER IF EXISTS catalog_group_next_start_update ON catalog_group;
DROP TRIGGER IF EXISTS catalog_group_next_start_insert ON catalog_group;
DROP FUNCTION IF EXISTS catalog_group_next_start();
DROP FUNCTION IF EXISTS catalog_program_next_start_refresh();
DROP FUNCTION IF EXISTS catalog_program_next_start_update(bigint[]);
DROP FUNCTION IF EXISTS catalog_local_date();
