"""The PostgreSQL adapter: the store for several app replicas and publisher workers on one database."""
