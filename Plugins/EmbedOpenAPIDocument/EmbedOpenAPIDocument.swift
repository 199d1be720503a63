import Foundation
import PackagePlugin

/// Compiles `API/openapi.json` of the target into `OpenAPIDocument.json`, a string constant,
/// so the served document is part of the binary and `openapi.json` stays a plain JSON file
/// that editors, linters and schemathesis read as it is.
@main
struct EmbedOpenAPIDocument: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let input = target.directoryURL.appending(path: "API/openapi.json")
        let output = context.pluginWorkDirectoryURL.appending(path: "OpenAPIDocument+JSON.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(input.lastPathComponent) in \(target.name)",
                executable: try context.tool(named: "embed-text").url,
                arguments: [input.path, output.path, "OpenAPIDocument", "json"],
                inputFiles: [input],
                outputFiles: [output])
        ]
    }
}
