import Foundation

// `repositories:` and the references to them.
extension ConfigValidator {
    /// The keys a repository reads.
    static let repositoryKeys = ["url", "password_file", "key_file", "password_env", "region"]

    /// `repositories:`: a mapping from name to repository, at least one.
    func repositories(_ node: ConfigNode) -> [RepositoryConfiguration]? {
        guard case .mapping(let entries) = node.content else {
            report(
                node, "expected a mapping from repository names to settings (primary: {url: …, password_file: …}), got \(node.shapeName)")
            return nil
        }
        guard !entries.isEmpty else {
            report(node, "define at least one repository")
            return nil
        }
        // Names are known even when a repository's settings are wrong, so references can still be checked.
        repositoryNames = entries.map(\.key)
        var result: [RepositoryConfiguration] = []
        for entry in entries {
            let name = checkedName(entry.key, at: entry.value)
            if let repository = repository(entry.value), let name {
                result.append(
                    RepositoryConfiguration(
                        name: name, url: repository.url, kind: repository.kind, credential: repository.credential,
                        region: repository.region))
            }
        }
        return result.count == entries.count ? result : nil
    }

    /// One repository's settings (named by the caller).
    private func repository(_ node: ConfigNode) -> RepositoryConfiguration? {
        guard let fields = mapping(node, keys: Self.repositoryKeys) else { return nil }
        let location = required(fields, "url", " (a directory, s3:http(s)://HOST[:PORT]/BUCKET/PREFIX or s3://BUCKET/PREFIX)")
            .flatMap(repositoryLocation)
        let credential = repositoryCredential(fields)
        var region: String?
        if let regionNode = fields["region"], let text = text(regionNode) {
            if location?.kind == .directory {
                report(regionNode, "only S3 repositories have a region")
            } else if text.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") }) {
                region = text
            } else {
                report(regionNode, "\"\(text)\" is not a region name (lowercase letters, digits and '-', e.g. eu-west-1)")
            }
        }
        guard let location, let credential else { return nil }
        return RepositoryConfiguration(name: "", url: location.url, kind: location.kind, credential: credential, region: region)
    }

    /// Exactly one of `password_file`, `key_file`, `password_env`.
    private func repositoryCredential(_ fields: ConfigMapping) -> RepositoryCredential? {
        guard let key = exactlyOne(fields, of: RepositoryCredential.keys), let node = fields[key] else { return nil }
        switch key {
        case "password_file": return filePath(node).map(RepositoryCredential.passwordFile)
        case "key_file": return filePath(node).map(RepositoryCredential.keyFile)
        default: return environmentVariableName(node).map(RepositoryCredential.passwordEnvironment)
        }
    }

    /// A directory (made absolute) or an `s3:` URL, checked for shape; LifeboatS3 checks the rest when it connects.
    private func repositoryLocation(_ node: ConfigNode) -> (url: String, kind: RepositoryConfiguration.Kind)? {
        guard let text = text(node) else { return nil }
        if text.hasPrefix("s3:") {
            guard let problem = Self.s3Problem(text) else { return (text, .s3) }
            report(node, problem)
            return nil
        }
        if text.contains("://") {
            report(
                node,
                "\"\(text)\" is not a supported repository URL; use a directory, s3:http(s)://HOST[:PORT]/BUCKET/PREFIX or s3://BUCKET/PREFIX"
            )
            return nil
        }
        return filePath(node).map { ($0, .directory) }
    }

    /// What is wrong with an `s3:` URL's shape, or nil; never echoes credentials.
    static func s3Problem(_ url: String) -> String? {
        if url.contains("@") {
            return "an S3 URL must not contain credentials; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the daemon's environment"
        }
        let usage = "use s3://BUCKET/PREFIX or s3:http(s)://HOST[:PORT]/BUCKET/PREFIX"
        var rest = url.dropFirst(3)
        if rest.hasPrefix("//") {
            rest = rest.dropFirst(2)
        } else if rest.hasPrefix("http://") || rest.hasPrefix("https://") {
            rest = rest[(rest.range(of: "://")?.upperBound ?? rest.endIndex)...]
            let authority = rest.prefix { $0 != "/" }
            let host = authority.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            if host[0].isEmpty { return "\"\(url)\" has no host; \(usage)" }
            if host.count == 2 {
                guard let port = Int(host[1]), (1...65535).contains(port) else {
                    return "\"\(url)\" has an invalid port \"\(host[1])\"; use 1 to 65535"
                }
            }
            rest = rest.dropFirst(authority.count + 1)
        } else {
            return "\"\(url)\" is not an S3 URL; \(usage)"
        }
        let bucket = rest.prefix { $0 != "/" }
        if bucket.isEmpty { return "\"\(url)\" has no bucket; \(usage)" }
        let validBucket =
            (3...63).contains(bucket.count)
            && bucket.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "." || $0 == "-") }
        if !validBucket {
            return "\"\(url)\" has an invalid bucket name \"\(bucket)\" (3 to 63 of a-z, 0-9, '.', '-')"
        }
        return nil
    }

    /// `repositories: [names]` of a plan: at least one, each defined, none twice.
    func repositoryReferences(_ node: ConfigNode) -> [String]? {
        guard let items = list(node, of: "repository names, e.g. [primary]") else { return nil }
        guard !items.isEmpty else {
            report(node, "name at least one repository")
            return nil
        }
        var names: [String] = []
        var seen: [(key: String, node: ConfigNode)] = []
        for item in items {
            guard let name = text(item) else { continue }
            if let defined = repositoryNames, !defined.contains(name) {
                report(item, "no repository named \"\(name)\" (defined: \(defined.joined(separator: ", ")))")
                continue
            }
            names.append(name)
            seen.append((name, item))
        }
        requireUnique(seen) { "repository \"\($0)\"" }
        return names.count == items.count ? names : nil
    }
}
