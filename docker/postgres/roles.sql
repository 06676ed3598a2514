-- The roles of a deployment, run once by the superuser in the database they are for (the postgres
-- container runs it from /docker-entrypoint-initdb.d on its first start; a test runs it too:
-- tests/e2e/src/database-roles.test.ts). Running it again changes nothing. The passwords are set
-- apart (role-passwords.sh, from .env), so no secret is ever written here.
--
--   pt_migrator  owns the database and its schema, runs the migrations (docker-compose's migrate).
--   pt_app       what api and syncer log in as: reads and writes rows, never changes the schema.

DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'pt_migrator') THEN
    CREATE ROLE pt_migrator LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'pt_app') THEN
    CREATE ROLE pt_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE;
  END IF;
  -- The database owner may create schemas (drizzle keeps its journal in one of its own).
  EXECUTE format('ALTER DATABASE %I OWNER TO pt_migrator', current_database());
  -- Only the roles named here may connect; no one else may create temporary tables.
  EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database());
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO pt_app', current_database());
END
$$;

-- The tables live in public, which pt_migrator owns; no one else may create anything in it.
ALTER SCHEMA public OWNER TO pt_migrator;
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO pt_app;

-- Rows, not schema: for every table and sequence a migration creates from now on...
ALTER DEFAULT PRIVILEGES FOR ROLE pt_migrator IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO pt_app;
ALTER DEFAULT PRIVILEGES FOR ROLE pt_migrator IN SCHEMA public GRANT USAGE ON SEQUENCES TO pt_app;
-- ...and for those that exist already (a database migrated before these roles were set up).
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO pt_app;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO pt_app;
