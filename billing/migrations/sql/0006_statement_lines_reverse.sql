DROP TRIGGER IF EXISTS billing_statement_frozen ON billing_statement;
DROP FUNCTION IF EXISTS billing_statement_frozen();
DROP TRIGGER IF EXISTS billing_statement_line_guard ON billing_statementline;
DROP FUNCTION IF EXISTS billing_statement_line_guard();
