import Foundation
import Hummingbird
import LifeboatCatalog
import LifeboatConfig
import LifeboatCore
import LifeboatIdentity
import LifeboatJobs
import LifeboatRepository
import NIOFoundationCompat

/// The identity-dump routes: list, export (the encrypted file only), restore keys, Canton restore kit.
enum IdentityRoutes {
    static let routes: [String] = [
        "GET /api/v1/nodes/{node}/identity-dumps", "GET /api/v1/nodes/{node}/identity-dumps/{dump}/export",
        "POST /api/v1/nodes/{node}/identity-dumps/{dump}/restore", "POST /api/v1/nodes/{node}/identity-dumps/{dump}/restore-kit",
    ]

    struct RestoreBody: Decodable {
        var identityFile: String?
        var force: Bool?
        var repository: String?
    }

    struct KitBody: Decodable {
        var identityFile: String?
        var newParticipantId: String?
        var nodeIdentifier: String?
        var directory: String?
        var repository: String?
    }

    /// A dump with the repositories that hold it.
    struct DumpView: Encodable {
        var name: String
        var node: String
        var created: Date
        var keyCount: Int
        var fingerprint: String
        var sourceType: String
        var snapshot: String
        var repositories: [String]
    }

    static func register(on v1: RouterGroup<APIContext>, api: API) {
        let daemon = api.daemon
        v1.get("/nodes/{node}/identity-dumps") { _, context in
            try context.require(.viewer)
            let node = try api.nodeName(context)
            var byName: [String: DumpView] = [:]
            for name in try await repositories(node, daemon) {
                let repo = try await daemon.repositories.repository(name)
                for d in try await IdentityDumps.list(repository: repo, node: node) {
                    if byName[d.name] != nil {
                        byName[d.name]?.repositories.append(name)
                    } else {
                        byName[d.name] = DumpView(
                            name: d.name, node: d.node, created: d.created, keyCount: d.keyCount, fingerprint: d.fingerprint,
                            sourceType: d.sourceType, snapshot: d.snapshotID, repositories: [name])
                    }
                }
            }
            return try api.json(byName.values.sorted { $0.created > $1.created })
        }
        v1.get("/nodes/{node}/identity-dumps/{dump}/export") { request, context in
            try context.require(.operator)
            let node = try api.nodeName(context)
            let dump = try API.pathParameter(context, "dump")
            let repo = try await repository(request.uri.queryParameters.get("repository"), node: node, daemon)
            let data = try await IdentityDumps.export(dump, repository: repo, node: node)
            let summary = try await IdentityDumps.find(dump, repository: repo, node: node)
            return Response(
                status: .ok,
                headers: [
                    .contentType: "application/octet-stream",
                    .contentDisposition: "attachment; filename=\"\(summary.name).age\"",
                ],
                body: .init(byteBuffer: ByteBuffer(data: data)))
        }
        v1.post("/nodes/{node}/identity-dumps/{dump}/restore") { request, context in
            try context.require(.operator)
            let node = try api.nodeName(context)
            let dump = try API.pathParameter(context, "dump")
            let body =
                try await api.body(
                    request, as: RestoreBody.self, properties: ["identityFile": .string, "force": .boolean, "repository": .string])
                ?? RestoreBody()
            guard let identityFile = body.identityFile, identityFile.hasPrefix("/") else {
                throw Problem(
                    .unprocessableContent, "identityFile: give the absolute path of the age identity file on the daemon's host",
                    field: "identityFile")
            }
            _ = try RestoreRoots(daemon.configuration.api).confine(identityFile, field: "identityFile", what: "the identity file")
            try API.requireReadableFile(identityFile)
            let repo = try await repository(body.repository, node: node, daemon)
            let nodeConfig = try daemon.executor.node(named: node)
            let summary = try await namingIdentityFile(identityFile) {
                try await IdentityRestorer(node: nodeConfig, logger: daemon.logger).restore(
                    dump, from: repo, identityFile: identityFile, force: body.force ?? false)
            }
            return try api.json(summary)
        }
        v1.post("/nodes/{node}/identity-dumps/{dump}/restore-kit") { request, context in
            try context.require(.operator)
            let node = try api.nodeName(context)
            let dump = try API.pathParameter(context, "dump")
            let body =
                try await api.body(
                    request, as: KitBody.self,
                    properties: [
                        "identityFile": .string, "newParticipantId": .string, "nodeIdentifier": .string, "directory": .string,
                        "repository": .string,
                    ])
                ?? KitBody()
            guard let identityFile = body.identityFile, identityFile.hasPrefix("/") else {
                throw Problem(
                    .unprocessableContent, "identityFile: give the absolute path of the age identity file on the daemon's host",
                    field: "identityFile")
            }
            guard let participant = body.newParticipantId, !participant.isEmpty else {
                throw Problem(.unprocessableContent, "newParticipantId: give the new participant identifier", field: "newParticipantId")
            }
            guard let directory = body.directory, directory.hasPrefix("/") else {
                throw Problem(.unprocessableContent, "directory: give an absolute directory for the kit", field: "directory")
            }
            let roots = RestoreRoots(daemon.configuration.api)
            _ = try roots.confine(identityFile, field: "identityFile", what: "the identity file")
            _ = try roots.confine(directory, field: "directory", what: "the restore-kit directory")
            try API.requireReadableFile(identityFile)
            let repo = try await repository(body.repository, node: node, daemon)
            let document = try await namingIdentityFile(identityFile) {
                try await IdentityDumps.open(dump, repository: repo, node: node, identityFile: identityFile)
            }
            var options = RestoreKit.Options(newParticipantIdentifier: participant)
            options.nodeIdentifier = body.nodeIdentifier
            let files = try await RestoreKit.write(document, options: options, directory: directory, catalog: daemon.catalog)
            return try api.json(["files": files])
        }
    }

    /// Runs `body`; an invalid-argument error about the identity file (it does not decrypt
    /// the dump, it cannot be read) becomes a 422 naming `identityFile`.
    static func namingIdentityFile<T>(_ path: String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as LifeboatError where error.code == .invalidArgument && error.message.contains("identity file") {
            throw Problem(.unprocessableContent, "identityFile: \(error.message)", field: "identityFile")
        }
    }

    static func repositories(_ node: String, _ daemon: Daemon) async throws -> [String] {
        let nodeConfig = try daemon.executor.node(named: node)
        return await daemon.executor.repositoryNames(node: nodeConfig, kind: .identity)
    }

    static func repository(_ name: String?, node: String, _ daemon: Daemon) async throws -> Repository {
        if let name {
            guard daemon.configuration.repository(named: name) != nil else {
                throw Problem(.unprocessableContent, "repository: no repository named \"\(API.show(name))\"", field: "repository")
            }
            return try await daemon.repositories.repository(name)
        }
        guard let first = try await repositories(node, daemon).first else {
            throw Problem(.notFound, "node \(node) has no repository for identity dumps")
        }
        return try await daemon.repositories.repository(first)
    }
}
