-- Monthly statements are made of lines and frozen once issued.
--
-- 1. A line copies its charge (+) or reversal (−) exactly: lessons and amounts, signed. The item is of
--    the statement's provider and paying municipality, and its home month (the charge's service month)
--    is the statement's month or an earlier one (a later line of an issued month). A line goes only
--    into a DRAFT statement (the statement row is read FOR SHARE: an issue committing meanwhile is
--    waited for, then seen).
-- 2. Lines are never updated; a line of an issued statement is never deleted.
-- 3. A statement keeps its provider, municipality and month once it has lines or is issued; who issued
--    it and when, and who recorded the payment and when, are written once.

CREATE OR REPLACE FUNCTION billing_statement_line_guard() RETURNS trigger AS $$
DECLARE
    st record;
    item record;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'statement lines are never changed: UPDATE refused on line %', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        SELECT s.status INTO st FROM billing_statement s WHERE s.id = OLD.statement_id FOR SHARE;
        IF st.status <> 'DRAFT' THEN
            RAISE EXCEPTION 'statement % is issued: its lines are frozen (DELETE refused)', OLD.statement_id
                USING ERRCODE = 'restrict_violation';
        END IF;
        RETURN OLD;
    END IF;

    SELECT s.status, s.provider_id, s.municipality_id, s.month INTO st
      FROM billing_statement s WHERE s.id = NEW.statement_id FOR SHARE;
    IF st.status <> 'DRAFT' THEN
        RAISE EXCEPTION 'statement % is issued: its lines are frozen (INSERT refused)', NEW.statement_id
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF NEW.charge_id IS NOT NULL THEN
        SELECT c.provider_id, c.municipality_id, c.service_date, c.lessons,
               c.certificate_amount, c.copayment
          INTO item FROM billing_charge c WHERE c.id = NEW.charge_id;
        IF (NEW.lessons, NEW.certificate_amount, NEW.copayment)
           IS DISTINCT FROM (item.lessons, item.certificate_amount, item.copayment) THEN
            RAISE EXCEPTION 'statement line of charge % must copy its lessons and amounts', NEW.charge_id
                USING ERRCODE = 'check_violation';
        END IF;
    ELSE
        SELECT r.provider_id, r.municipality_id, c.service_date, c.lessons,
               r.certificate_amount, r.copayment
          INTO item
          FROM billing_chargereversal r JOIN billing_charge c ON c.id = r.charge_id
         WHERE r.id = NEW.reversal_id;
        IF (NEW.certificate_amount, NEW.copayment) IS DISTINCT FROM (-item.certificate_amount, -item.copayment)
           OR NEW.lessons < -item.lessons THEN
            RAISE EXCEPTION 'statement line of reversal % must copy its amounts, negated', NEW.reversal_id
                USING ERRCODE = 'check_violation';
        END IF;
    END IF;
    IF (item.provider_id, item.municipality_id) IS DISTINCT FROM (st.provider_id, st.municipality_id) THEN
        RAISE EXCEPTION 'statement % is of another provider or paying municipality than its line', NEW.statement_id
            USING ERRCODE = 'check_violation';
    END IF;
    IF date_trunc('month', item.service_date)::date > st.month THEN
        RAISE EXCEPTION 'a line of % cannot go into the statement of an earlier month (%)',
            item.service_date, st.month
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER billing_statement_line_guard
    BEFORE INSERT OR UPDATE OR DELETE ON billing_statementline
    FOR EACH ROW EXECUTE FUNCTION billing_statement_line_guard();

CREATE OR REPLACE FUNCTION billing_statement_frozen() RETURNS trigger AS $$
BEGIN
    IF (NEW.provider_id, NEW.municipality_id, NEW.month)
       IS DISTINCT FROM (OLD.provider_id, OLD.municipality_id, OLD.month)
       AND (OLD.status <> 'DRAFT' OR EXISTS (SELECT 1 FROM billing_statementline l WHERE l.statement_id = OLD.id)) THEN
        RAISE EXCEPTION 'statement % keeps its provider, municipality and month', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF OLD.issued_at IS NOT NULL
       AND (NEW.issued_at, NEW.issued_by_id) IS DISTINCT FROM (OLD.issued_at, OLD.issued_by_id) THEN
        RAISE EXCEPTION 'statement % was issued: who and when are written once', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF OLD.paid_at IS NOT NULL
       AND (NEW.paid_at, NEW.paid_by_id) IS DISTINCT FROM (OLD.paid_at, OLD.paid_by_id) THEN
        RAISE EXCEPTION 'statement % was paid: who and when are written once', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER billing_statement_frozen
    BEFORE UPDATE ON billing_statement
    FOR EACH ROW EXECUTE FUNCTION billing_statement_frozen();
