"""luoshi's PostgreSQL backend (settings: ENGINE "luoshi.core.postgresql"): Django's, with a faster reader for
timestamptz values (base.IsoTzLoader)."""
