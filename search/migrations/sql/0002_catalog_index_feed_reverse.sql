DROP TRIGGER IF EXISTS search_index_program_insert ON catalog_program;
DROP TRIGGER IF EXISTS search_index_program_update ON catalog_program;
DROP TRIGGER IF EXISTS search_index_program_delete ON catalog_program;
DROP TRIGGER IF EXISTS search_index_free_seats_insert ON search_groupfreeseats;
DROP TRIGGER IF EXISTS search_index_free_seats_update ON search_groupfreeseats;
DROP TRIGGER IF EXISTS search_index_free_seats_delete ON search_groupfreeseats;
DROP FUNCTION IF EXISTS search_index_free_seats_changed();
DROP FUNCTION IF EXISTS search_index_program_changed();
DROP FUNCTION IF EXISTS search_index_enqueue(bigint[]);
