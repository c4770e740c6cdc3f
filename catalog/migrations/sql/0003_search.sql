-- Program search document, kept by the database so that every writer (admin, services, COPY of the
-- demo loader) gets it: title weighs most (A), then activity type (B), then description (C).
CREATE OR REPLACE FUNCTION catalog_program_search_vector() RETURNS trigger AS $$
BEGIN
    NEW.search_vector :=
        setweight(to_tsvector('russian', coalesce(NEW.title, '')), 'A') ||
        setweight(to_tsvector('russian', coalesce(NEW.activity_type, '')), 'B') ||
        setweight(to_tsvector('russian', coalesce(NEW.description, '')), 'C');
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER catalog_program_search_vector
    BEFORE INSERT OR UPDATE OF title, activity_type, description ON catalog_program
    FOR EACH ROW EXECUTE FUNCTION catalog_program_search_vector();

UPDATE catalog_program SET title = title;

-- The vocabulary for typo correction: lower-case words of titles, activity types and descriptions.
CREATE OR REPLACE FUNCTION catalog_search_words_refresh() RETURNS integer AS $$
DECLARE added integer;
BEGIN
    INSERT INTO catalog_searchword (word)
    SELECT DISTINCT w
      FROM catalog_program p,
           regexp_split_to_table(lower(p.title || ' ' || p.activity_type || ' ' || p.description), '[^[:alnum:]ё]+') AS w
     WHERE length(w) >= 3 AND length(w) <= 100
    ON CONFLICT (word) DO NOTHING;
    GET DIAGNOSTICS added = ROW_COUNT;
    RETURN added;
END;
$$ LANGUAGE plpgsql;

SELECT catalog_search_words_refresh();
