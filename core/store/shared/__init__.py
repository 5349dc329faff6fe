"""Repository SQL both stores run as written: store-neutral text (`?` parameters), put in each store's form by its base's `Repository.sql`."""
