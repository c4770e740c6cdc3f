DROP FUNCTION IF EXISTS catalog_search_words_refresh();
DROP TRIGGER IF EXISTS catalog_program_search_vector ON catalog_program;
DROP FUNCTION IF EXISTS catalog_program_search_vector();
