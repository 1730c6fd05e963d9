/* pgpulse */ SELECT datname FROM pg_database WHERE datallowconn AND NOT datistemplate ORDER BY datname
