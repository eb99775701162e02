#!/bin/sh
# Runs once, when the postgres container initialises an empty data volume:
# applies every migration the way the seed README's manual route does.
set -e
cd /database/migrations
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" -f run_all_migrations.sql
