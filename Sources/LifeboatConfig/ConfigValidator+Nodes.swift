import Foundation

// `nodes:` and each node's `stores:`.
extension ConfigValidator {
    /// The keys a node reads.
    static let nodeKeys = [
        "name", "profile", "datadir", "stores", "backups", "identity", "version", "control", "migration_id", "drills",
    ]

    /// `nodes:`: at least one node, names unique.
    func nodes(_ node: ConfigNode) -> [NodeConfiguration]? {
        guard let items = list(node, of: "nodes") else { return nil }
        guard !items.isEmpty else {
            report(node, "list at least one node")
            return nil
        }
        var result: [NodeConfiguration] = []
        var names: [(key: String, node: ConfigNode)] = []
        for item in items {
            if let built = self.node(item, names: &names) { result.append(built) }
        }
        requireUnique(names) { "\"\($0)\"" }
        return result.count == items.count ? result : nil
    }

    /// One node; its name (with the name's node) is appended to `names` for the uniqueness check.
    private func node(_ item: ConfigNode, names: inout [(key: String, node: ConfigNode)]) -> NodeConfiguration? {
        guard let fields = mapping(item, keys: Self.nodeKeys) else { return nil }
        let nameNode = required(fields, "name")
        let name = nameNode.flatMap(name)
        if let name, let nameNode { names.append((name, nameNode)) }
        var profile = NodeConfiguration.Profile.generic
        var ok = true
        if let node = fields["profile"] {
            if let value = choice(node, NodeConfiguration.Profile.self, noun: "profile") { profile = value } else { ok = false }
        }
        var datadir: String?
        if let node = fields["datadir"], let text = pathText(node) {
            if text.hasPrefix("/") {
                datadir = text
            } else {
                report(node, "\"\(text)\" is not an absolute path; datadir must start with /")
                ok = false
            }
        }
        // A datadir that is given but wrong has been reported; do not also report every relative path under it.
        let relativeAllowed = fields["datadir"] != nil
        var stores: [StoreConfiguration] = []
        if let node = fields["stores"] {
            if let value = self.stores(node, relativeAllowed: relativeAllowed) { stores = value } else { ok = false }
        }
        var backups: BackupPlan?
        if let node = fields["backups"] {
            backups = plan(node, kind: .state)
            if backups == nil { ok = false }
        }
        var identity: IdentityConfiguration?
        if let node = fields["identity"] {
            identity = self.identity(node, relativeAllowed: relativeAllowed)
            if identity == nil { ok = false }
            if case .azureKeyVault? = identity?.source, profile == .nuts || profile == .canton {
                // Only Nuts 6 has the Azure Key Vault key store (crypto.storage: azure-keyvault).
                report(
                    node,
                    "an azure-keyvault key store is a Nuts 6 key store; this node's profile is \(profile.rawValue) (use profile: nuts6, or the node's own key source)"
                )
                identity = nil
                ok = false
            }
        }
        var version: String?
        if let node = fields["version"], let text = text(node) {
            if profile == .nuts && !NutsStoreList.versions.contains(text) {
                let hint = text.hasPrefix("6") ? "; a Nuts 6 node takes profile: nuts6" : ""
                report(
                    node, "\"\(text)\" is not a Nuts version this profile knows (\(NutsStoreList.versions.joined(separator: ", ")))\(hint)")
                ok = false
            } else if profile == .nuts6 && !NutsStoreList.versions6.contains(text) {
                let hint = text.hasPrefix("5") ? "; a Nuts 5 node takes profile: nuts" : ""
                report(
                    node,
                    "\"\(text)\" is not a Nuts 6 version this profile knows (\(NutsStoreList.versions6.joined(separator: ", ")))\(hint)")
                ok = false
            } else {
                version = text
            }
        }
        var migrationID: Int?
        if let node = fields["migration_id"] {
            if profile != .canton {
                report(node, "migration_id is for canton validators (Splice MIGRATION_ID); this node's profile is \(profile.rawValue)")
                ok = false
            } else if let value = integer(node, in: 0...1_000_000) {
                migrationID = value
            } else {
                ok = false
            }
        }
        var control: NodeControl?
        if let node = fields["control"] {
            control = self.control(node)
            if control == nil { ok = false }
        }
        var drills: DrillPlan?
        if let node = fields["drills"] {
            drills = drill(node)
            if drills == nil {
                ok = false
            } else if fields["backups"] == nil {
                report(node, "drills restore the node's state backups; this node has no backups schedule")
                ok = false
            }
        }
        // Judged on what is written, so a section that failed on its own is not reported again here.
        let storesNode = fields["stores"]
        let backupsNode = fields["backups"]
        let hasStores = storesNode.map { !Self.isEmptyList($0) } ?? false
        if fields.unknownKeys.isEmpty {
            if let storesNode, hasStores, backupsNode == nil {
                report(storesNode, "the node lists stores but has no backups schedule; add backups")
            }
            if let backupsNode, !hasStores {
                report(backupsNode, "the node has no stores to back up; list them under stores")
            }
        }
        if !hasStores, backupsNode == nil, fields["identity"] == nil {
            reportSection(fields, "nothing to back up; give stores with backups, identity, or both")
        }
        guard ok, let name else { return nil }
        return NodeConfiguration(
            name: name, profile: profile, datadir: datadir, stores: stores, backups: backups, identity: identity,
            version: version, control: control, migrationID: migrationID, drills: drills)
    }

    /// Whether `node` is a list with no items.
    static func isEmptyList(_ node: ConfigNode) -> Bool {
        if case .sequence(let items) = node.content { return items.isEmpty }
        return false
    }

    /// `stores:`: a list of typed stores; the same path twice is a mistake.
    ///
    /// `relativeAllowed` is false when the node has no datadir to read relative paths in.
    private func stores(_ node: ConfigNode, relativeAllowed: Bool) -> [StoreConfiguration]? {
        guard let items = list(node, of: "stores ({type, …})") else { return nil }
        var result: [StoreConfiguration] = []
        var paths: [(key: String, node: ConfigNode)] = []
        for item in items {
            guard let store = store(item, relativeAllowed: relativeAllowed) else { continue }
            result.append(store)
            if let path = store.path, case .mapping(let entries) = item.content,
                let pathNode = entries.first(where: { $0.key == "path" || $0.key == "directory" })?.value
            {
                paths.append((path, pathNode))
            }
        }
        requireUnique(paths) { "path \"\($0)\"" }
        return result.count == items.count ? result : nil
    }

    /// The keys each store type reads besides `type`.
    static let storeKeys: [String: [String]] = [
        "sqlite": ["path"], "file": ["path"], "dir": ["path"], "shelf": ["directory"],
        "redis": ["url", "password_file", "tls", "control", "dir"], "postgres": ["url", "databases", "order"],
        "mysql": MySQLStore.keys,
    ]

    /// One store: `type` first, then the keys of that type.
    private func store(_ item: ConfigNode, relativeAllowed: Bool) -> StoreConfiguration? {
        guard case .mapping(let entries) = item.content else {
            report(item, "expected a mapping with a type (\(StoreConfiguration.typeNames.joined(separator: ", "))), got \(item.shapeName)")
            return nil
        }
        let types = StoreConfiguration.typeNames.joined(separator: ", ")
        guard let typeNode = ConfigMapping(node: item, entries: entries)["type"] else {
            // Without a type only keys no store type has can be called unknown.
            let anyStoreKeys = (["type"] + StoreConfiguration.typeNames.flatMap { Self.storeKeys[$0] ?? [] }).uniqued()
            if let fields = mapping(item, keys: anyStoreKeys) { reportSection(fields, "missing required key \"type\" (one of: \(types))") }
            return nil
        }
        guard let type = text(typeNode) else { return nil }
        guard let keys = Self.storeKeys[type] else {
            report(typeNode, "\"\(type)\" is not a store type (expected one of: \(types))")
            return nil
        }
        guard let fields = mapping(item, keys: ["type"] + keys) else { return nil }
        switch type {
        case "sqlite", "file", "dir":
            guard let path = required(fields, "path").flatMap({ datadirPath($0, relativeAllowed: relativeAllowed) }) else { return nil }
            return type == "sqlite" ? .sqlite(path: path) : type == "file" ? .file(path: path) : .directory(path: path)
        case "shelf":
            return required(fields, "directory").flatMap { datadirPath($0, relativeAllowed: relativeAllowed) }.map(StoreConfiguration.shelf)
        case "redis":
            return redis(fields).map(StoreConfiguration.redis)
        case "mysql":
            return mysql(fields).map(StoreConfiguration.mysql)
        default:
            return postgres(fields).map(StoreConfiguration.postgres)
        }
    }

    /// A Redis store: URL without a password, optional password file and TLS flag.
    private func redis(_ fields: ConfigMapping) -> RedisStore? {
        let url = required(fields, "url", " (redis://HOST[:PORT][/DB], rediss://… or unix:///PATH)").flatMap {
            serverURL($0, schemes: ["redis", "rediss", "unix"], example: "redis://127.0.0.1:6379/0")
        }
        let passwordFile = fields["password_file"].map(filePath)
        let tls = fields["tls"].map(boolean)
        let control = fields["control"].map(self.control)
        let dir = fields["dir"].map(filePath)
        guard let url, passwordFile != .some(nil), tls != .some(nil), control != .some(nil), dir != .some(nil) else { return nil }
        let secure = url.lowercased().hasPrefix("rediss://")
        if secure, tls == false, let tlsNode = fields["tls"] {
            report(tlsNode, "a rediss:// URL always uses TLS; remove tls: false or use redis://")
            return nil
        }
        return RedisStore(
            url: url, passwordFile: passwordFile ?? nil, tls: (tls ?? nil) ?? secure, control: control ?? nil, dir: dir ?? nil)
    }

    /// A PostgreSQL store: one `url`, or `databases` (named, in dump order), and the `order`.
    private func postgres(_ fields: ConfigMapping) -> PostgresStore? {
        guard let key = exactlyOne(fields, of: ["url", "databases"]), let node = fields[key] else { return nil }
        var order = PostgresStore.Order.sequential
        if let orderNode = fields["order"] {
            guard let value = choice(orderNode, PostgresStore.Order.self, noun: "dump order") else { return nil }
            order = value
        }
        if key == "url" {
            guard let url = postgresURL(node) else { return nil }
            let database = URL(string: url)?.path.split(separator: "/").last.map(String.init) ?? "postgres"
            return PostgresStore(databases: [PostgresDatabase(name: database, url: url)], order: order)
        }
        guard let items = list(node, of: "databases ({name, url, tables})") else { return nil }
        guard !items.isEmpty else {
            report(node, "list at least one database")
            return nil
        }
        var databases: [PostgresDatabase] = []
        var names: [(key: String, node: ConfigNode)] = []
        for item in items {
            guard let entry = mapping(item, keys: ["name", "url", "tables"]) else { continue }
            let nameNode = required(entry, "name")
            let name = nameNode.flatMap(name)
            let url = required(entry, "url").flatMap(postgresURL)
            var tables: [String]? = []
            if let tablesNode = entry["tables"] { tables = tableNames(tablesNode) }
            if let name, let nameNode { names.append((name, nameNode)) }
            if let name, let url, let tables { databases.append(PostgresDatabase(name: name, url: url, tables: tables)) }
        }
        requireUnique(names) { "database name \"\($0)\"" }
        return databases.count == items.count ? PostgresStore(databases: databases, order: order) : nil
    }

    /// `tables:` of a database: `table` or `schema.table` names whose row counts are recorded.
    private func tableNames(_ node: ConfigNode) -> [String]? {
        guard let items = list(node, of: "tables (table or schema.table names)") else { return nil }
        let names = items.compactMap(text)
        guard names.count == items.count else { return nil }
        for (item, name) in zip(items, names) where name.isEmpty || name.split(separator: ".", omittingEmptySubsequences: false).count > 2 {
            report(item, "\"\(name)\" is not a table name; write table or schema.table")
            return nil
        }
        return names
    }

    /// A `postgres://` or `postgresql://` URL without a password.
    func postgresURL(_ node: ConfigNode) -> String? {
        serverURL(node, schemes: ["postgres", "postgresql"], example: "postgres://backup@127.0.0.1:5432/app")
    }

    /// A MySQL store: its URL and optional password file.
    private func mysql(_ fields: ConfigMapping) -> MySQLStore? {
        let url = required(fields, "url", " (mysql://USER@HOST[:PORT]/DATABASE)").flatMap(mysqlURL)
        let passwordFile = fields["password_file"].map(filePath)
        guard let url, passwordFile != .some(nil) else { return nil }
        return MySQLStore(url: url, passwordFile: passwordFile ?? nil)
    }

    /// A `mysql://USER@HOST[:PORT]/DATABASE` URL (or `mariadb://`): no password, no query,
    /// one database, a user named.
    private func mysqlURL(_ node: ConfigNode) -> String? {
        let example = "mysql://nuts@127.0.0.1:3306/nuts"
        if let text = text(node), text.contains("@tcp(") || text.contains("@unix(") {
            // The Go driver's DSN, as a Nuts node's storage.sql.connection holds it; never echoed (it may hold a password).
            report(
                node,
                "this is the Go driver's DSN form (user:password@tcp(host:port)/db); write a URL without the password instead, e.g. \(example)"
            )
            return nil
        }
        guard let text = serverURL(node, schemes: ["mysql", "mariadb"], example: example) else { return nil }
        guard let parts = URLComponents(string: text), let host = parts.host, !host.isEmpty else {
            report(node, "\"\(text)\" names no server; write mysql://USER@HOST[:PORT]/DATABASE, e.g. \(example)")
            return nil
        }
        if let port = parts.port, !(1...65535).contains(port) {
            report(node, "port \(port) in \"\(text)\" is out of range; use 1-65535 (3306 by default)")
            return nil
        }
        guard let user = parts.user, !user.isEmpty else {
            report(node, "\"\(text)\" names no user; write mysql://USER@\(host)\(parts.port.map { ":\($0)" } ?? "")/DATABASE")
            return nil
        }
        let segments = parts.path.split(separator: "/")
        guard segments.count == 1 else {
            report(
                node,
                segments.isEmpty
                    ? "\"\(text)\" names no database; add it as the path, e.g. \(example)"
                    : "\"\(text)\" names more than one path segment; the path is the one database, e.g. \(example)")
            return nil
        }
        if parts.query != nil {
            report(
                node,
                "\"\(text)\" has a query (?…); remove it: Go driver options such as charset or parseTime mean nothing to mariadb-dump")
            return nil
        }
        return text
    }

    /// A server URL with one of `schemes`; a password in it is refused so the file holds no secrets.
    private func serverURL(_ node: ConfigNode, schemes: [String], example: String) -> String? {
        guard let text = text(node) else { return nil }
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), schemes.contains(scheme) else {
            let names = schemes.map { "\($0)://" }.joined(separator: ", ")
            report(node, "\"\(text)\" is not a URL starting with \(names), e.g. \(example)")
            return nil
        }
        if url.password != nil {
            // Do not echo the URL: it holds a secret.
            report(node, "the URL contains a password; put the password in a file instead (password_file, or ~/.pgpass for PostgreSQL)")
            return nil
        }
        return text
    }
}
