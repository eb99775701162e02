#!/bin/sh
# Runs once, after the migrations, when the container initialises an empty volume: gives
# each service role (created by migration 006 without a password) the password from the
# container's environment (CUSTOMERS_DB_PASSWORD, ...), so the services can log in over
# the network. Roles whose variable is unset keep no password (and cannot log in remotely).
set -e
for service in customers campaigns compliance metrics; do
  variable="$(echo "$service" | tr '[:lower:]' '[:upper:]')_DB_PASSWORD"
  eval "password=\${$variable:-}"
  if [ -n "$password" ]; then
    echo "ALTER ROLE ${service}_svc PASSWORD :'password';" |
      psql -v ON_ERROR_STOP=1 -v password="$password" --username "$POSTGRES_USER" --dbname "$POSTGRES_DB"
    echo "set the password of ${service}_svc"
  fi
done
