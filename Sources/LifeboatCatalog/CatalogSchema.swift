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
        // v6: job counts per node, kind and state kept by triggers, so a summary of the
        // fleet (the node list, a metrics scrape) reads a few hundred rows instead of
        // grouping a million jobs; and `job_change`, moved by every change to a job or its
        // repositories, by which a summary cache notices another process's writes.
        migrator.registerMigration("v6") { db in
            try db.execute(
                sql: """
                    CREATE TABLE job_count (
                        node TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        state TEXT NOT NULL,
                        n INTEGER NOT NULL,
                        PRIMARY KEY (node, kind, state)
                    ) WITHOUT ROWID;
                    INSERT INTO job_count (node, kind, state, n) SELECT node, kind, state, COUNT(*) FROM job GROUP BY node, kind, state;
                    CREATE TABLE job_change (id INTEGER PRIMARY KEY CHECK (id = 1), n INTEGER NOT NULL);
                    INSERT INTO job_change (id, n) VALUES (1, 0);
                    CREATE TRIGGER job_change_update AFTER UPDATE ON job BEGIN UPDATE job_change SET n = n + 1; END;
                    CREATE TRIGGER job_change_repository_insert AFTER INSERT ON job_repository BEGIN UPDATE job_change SET n = n + 1; END;
                    CREATE TRIGGER job_change_repository_delete AFTER DELETE ON job_repository BEGIN UPDATE job_change SET n = n + 1; END;
                    CREATE TRIGGER job_count_insert AFTER INSERT ON job BEGIN
                        INSERT INTO job_count (node, kind, state, n) VALUES (NEW.node, NEW.kind, NEW.state, 1)
                            ON CONFLICT (node, kind, state) DO UPDATE SET n = n + 1;
                        UPDATE job_change SET n = n + 1;
                    END;
                    CREATE TRIGGER job_count_update AFTER UPDATE OF node, kind, state ON job
                        WHEN OLD.node IS NOT NEW.node OR OLD.kind IS NOT NEW.kind OR OLD.state IS NOT NEW.state BEGIN
                        UPDATE job_count SET n = n - 1 WHERE node = OLD.node AND kind = OLD.kind AND state = OLD.state;
                        INSERT INTO job_count (node, kind, state, n) VALUES (NEW.node, NEW.kind, NEW.state, 1)
                            ON CONFLICT (node, kind, state) DO UPDATE SET n = n + 1;
                    END;
                    CREATE TRIGGER job_count_delete AFTER DELETE ON job BEGIN
                        UPDATE job_count SET n = n - 1 WHERE node = OLD.node AND kind = OLD.kind AND state = OLD.state;
                        UPDATE job_change SET n = n + 1;
                    END;
                    """)
        }
        return migrator
    }
}
