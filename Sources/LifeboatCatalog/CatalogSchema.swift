internal import GRDB

/// The catalog's schema as a timeline of migrations, applied in order when a catalog opens.
///
/// Append-only: a migration that has shipped is never edited or removed, only followed by
/// another. Migrations speak SQL, never the record types, because they describe the
/// schema as it was when they were written and the types follow the latest one.
///
/// Enum columns (`kind`, `trigger`, `state`) carry no CHECK constraint: SQLite cannot
/// alter one, so adding a job kind would mean rebuilding the table. The record types
/// refuse unknown values instead.
enum CatalogSchema {
    /// The migrator with every migration registered.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE job (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        node TEXT NOT NULL CHECK (node <> ''),
                        kind TEXT NOT NULL,
                        "trigger" TEXT NOT NULL,
                        trigger_detail TEXT,
                        state TEXT NOT NULL,
                        phase TEXT NOT NULL DEFAULT '',
                        created_at DATETIME NOT NULL,
                        started_at DATETIME,
                        ended_at DATETIME,
                        bytes_done INTEGER NOT NULL DEFAULT 0 CHECK (bytes_done >= 0),
                        bytes_total INTEGER CHECK (bytes_total >= 0),
                        snapshot_id TEXT,
                        error_message TEXT,
                        target TEXT
                    );
                    CREATE INDEX job_on_created ON job(created_at, id);
                    CREATE INDEX job_on_node_kind_created ON job(node, kind, created_at, id);
                    CREATE INDEX job_on_snapshot ON job(snapshot_id) WHERE snapshot_id IS NOT NULL;

                    CREATE TABLE job_repository (
                        job_id INTEGER NOT NULL REFERENCES job(id) ON DELETE CASCADE,
                        repository TEXT NOT NULL CHECK (repository <> ''),
                        added_at DATETIME NOT NULL,
                        PRIMARY KEY (job_id, repository)
                    );

                    CREATE TABLE participant_identifier (
                        node TEXT NOT NULL,
                        identifier TEXT NOT NULL CHECK (identifier <> ''),
                        first_used DATETIME NOT NULL,
                        PRIMARY KEY (node, identifier)
                    );

                    CREATE TABLE schedule_state (
                        node TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        paused BOOLEAN NOT NULL DEFAULT 0,
                        last_run DATETIME,
                        next_run DATETIME,
                        PRIMARY KEY (node, kind)
                    );
                    """)
        }
        // v2: schedules set through the API (a plan as JSON, or deleted) override the configuration.
        migrator.registerMigration("v2") { db in
            try db.execute(
                sql: """
                    ALTER TABLE schedule_state ADD COLUMN plan TEXT;
                    ALTER TABLE schedule_state ADD COLUMN deleted BOOLEAN NOT NULL DEFAULT 0;
                    """)
        }
        // v3: the steps of a job that runs a runbook (a node restore), each with its state and message.
        migrator.registerMigration("v3") { db in
            try db.execute(
                sql: """
                    CREATE TABLE job_step (
                        job_id INTEGER NOT NULL REFERENCES job(id) ON DELETE CASCADE,
                        position INTEGER NOT NULL CHECK (position >= 0),
                        step_id TEXT NOT NULL CHECK (step_id <> ''),
                        description TEXT NOT NULL,
                        status TEXT NOT NULL,
                        message TEXT,
                        started_at DATETIME,
                        ended_at DATETIME,
                        PRIMARY KEY (job_id, position)
                    );
                    """)
        }
        // v4: the evidence of restore drills (what was restored, how long it took, what was checked).
        migrator.registerMigration("v4") { db in
            try db.execute(
                sql: """
                    CREATE TABLE drill (
                        job_id INTEGER PRIMARY KEY REFERENCES job(id) ON DELETE CASCADE,
                        node TEXT NOT NULL,
                        repository TEXT NOT NULL,
                        snapshot TEXT,
                        snapshot_time DATETIME,
                        started_at DATETIME NOT NULL,
                        duration REAL NOT NULL,
                        files INTEGER NOT NULL,
                        bytes INTEGER NOT NULL,
                        digest TEXT,
                        passed BOOLEAN NOT NULL,
                        checks TEXT NOT NULL,
                        error TEXT
                    );
                    CREATE INDEX drill_node ON drill(node, started_at);
                    """)
        }
        // v5: fencing tokens, one per restore of an identity's keys onto a node.
        migrator.registerMigration("v5") { db in
            try db.execute(
                sql: """
                    CREATE TABLE fence (
                        fingerprint TEXT NOT NULL CHECK (fingerprint <> ''),
                        token INTEGER NOT NULL CHECK (token > 0),
                        node TEXT NOT NULL,
                        job_id INTEGER NOT NULL REFERENCES job(id) ON DELETE RESTRICT,
                        dump TEXT NOT NULL,
                        markers TEXT NOT NULL,
                        originals TEXT NOT NULL,
                        overridden BOOLEAN NOT NULL,
                        issued_at DATETIME NOT NULL,
                        PRIMARY KEY (fingerprint, token)
                    );
                    CREATE INDEX fence_node ON fence(node, issued_at);
                    """)
        }
        return migrator
    }
}
