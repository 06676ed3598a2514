#!/bin/sh
# Runs once, when the postgres container initialises an empty volume, after 10-roles.sql (roles.sql):
# gives the roles their passwords from the environment (.env, through docker-compose.yml). psql
# reads them with \getenv, so they appear on no command line and in no file.
set -e
psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<'SQL'
\getenv migrator_password PG_MIGRATOR_PASSWORD
\getenv app_password PG_APP_PASSWORD
ALTER ROLE pt_migrator PASSWORD :'migrator_password';
ALTER ROLE pt_app PASSWORD :'app_password';
SQL
