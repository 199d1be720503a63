import LifeboatConfig
import Testing

/// An unknown key is an error at every level, reported at its own line with the valid keys listed.
@Suite struct ConfigUnknownKeyTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let yaml: String
        let expected: String
        var testDescription: String { expected }
    }

    static let cases: [Case] = [
        Case(
            yaml: minimal(replacingLine: 4, with: "    passwd_file: /p"),
            expected:
                #"lifeboat.yaml:4: repositories.primary: unknown key "passwd_file" (expected one of: url, password_file, key_file, password_env, region)"#
        ),
        Case(
            yaml: minimalYAML + "\napi:\n  token: []\n",
            expected: #"lifeboat.yaml:16: api: unknown key "token" (expected one of: tokens, restore_roots)"#),
        Case(
            yaml: minimalYAML
                + "\napi:\n  tokens:\n    - name: ops\n      role: admin\n      hash: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n",
            expected: #"lifeboat.yaml:19: api.tokens[0]: unknown key "hash" (expected one of: name, role, sha256)"#),
        Case(
            yaml: minimalYAML + "\njobs:\n  parallel: 3\n",
            expected:
                #"lifeboat.yaml:16: jobs: unknown key "parallel" (expected one of: max_parallel, run_missed_at_start, shutdown_grace, prune_every)"#
        ),
        Case(
            yaml: minimal(replacingLine: 7, with: "    data_dir: /var/lib/n1"),
            expected:
                #"lifeboat.yaml:7: nodes[0]: unknown key "data_dir" (expected one of: name, profile, datadir, stores, backups, identity, version, control, migration_id, drills)"#
        ),
        Case(
            yaml: minimal(replacingLine: 10, with: "        directory: data"),
            expected: #"lifeboat.yaml:10: nodes[0].stores[0]: unknown key "directory" (expected one of: type, path)"#),
        Case(
            yaml: minimal(replacingLine: 9, with: "      - type: postgres\n        url: postgres://db/app\n        tls: true")
                .replacingOccurrences(of: "        path: data.db\n", with: ""),
            expected: #"lifeboat.yaml:11: nodes[0].stores[0]: unknown key "tls" (expected one of: type, url, databases, order)"#),
        // The mysql store's keys: a URL (user, server, database) and the password file.
        Case(
            yaml: minimal(replacingLine: 9, with: "      - type: mysql\n        url: mysql://nuts@db:3306/nuts\n        database: nuts")
                .replacingOccurrences(of: "        path: data.db\n", with: ""),
            expected: #"lifeboat.yaml:11: nodes[0].stores[0]: unknown key "database" (expected one of: type, url, password_file)"#),
        Case(
            yaml: minimal(replacingLine: 13, with: "      max: 3\n      retain: 5"),
            expected:
                #"lifeboat.yaml:14: nodes[0].backups: unknown key "retain" (expected one of: cron, interval, timezone, max, environment, repositories, keep, paused)"#
        ),
        Case(
            yaml: minimal(replacingLine: 13, with: "      max: 3\n      keep: {daily: 7, fortnightly: 2}"),
            expected:
                #"lifeboat.yaml:14: nodes[0].backups.keep: unknown key "fortnightly" (expected one of: last, hourly, daily, weekly, monthly, yearly)"#
        ),
        Case(
            yaml: minimalYAML
                + "\n    identity:\n      interval: 24h\n      max: 14\n      repositories: [primary]\n      source: {type: fs, directory: crypto}\n      recipients: [\(recipient)]\n      recipient: x\n",
            expected:
                #"lifeboat.yaml:21: nodes[0].identity: unknown key "recipient" (expected one of: cron, interval, timezone, max, environment, repositories, keep, paused, source, recipients)"#
        ),
        Case(
            yaml: minimalYAML
                + "\n    identity:\n      interval: 24h\n      max: 14\n      repositories: [primary]\n      source: {type: fs, dir: crypto}\n      recipients: [\(recipient)]\n",
            expected: #"lifeboat.yaml:19: nodes[0].identity.source: unknown key "dir" (expected one of: type, directory)"#),
        Case(
            yaml: minimalYAML
                + "\n    identity:\n      interval: 24h\n      max: 14\n      repositories: [primary]\n      source:\n        type: vault\n        address: https://vault:8200\n        token_env: VAULT_TOKEN\n        mount: kv\n      recipients: [\(recipient)]\n",
            expected:
                #"lifeboat.yaml:23: nodes[0].identity.source: unknown key "mount" (expected one of: type, address, token_file, token_env, prefix, kv_version, timeout, ca_file)"#
        ),
        Case(
            yaml: minimalYAML
                + "\n    identity:\n      interval: 24h\n      max: 14\n      repositories: [primary]\n      source:\n        type: canton\n        url: https://validator\n        oauth: {token_url: https://auth/token, client_id: c, client_secret_file: /s, scope: x}\n      recipients: [\(recipient)]\n",
            expected:
                #"lifeboat.yaml:22: nodes[0].identity.source.oauth: unknown key "scope" (expected one of: token_url, client_id, client_secret_file, audience)"#
        ),
        // Azure Key Vault: the node's crypto.azurekv.url (Nuts 6 server options) is all there is to name.
        Case(
            yaml: minimalYAML.replacingOccurrences(of: "    datadir:", with: "    profile: nuts6\n    datadir:")
                + "\n    identity:\n      interval: 24h\n      max: 14\n      repositories: [primary]\n      source:\n        type: azure-keyvault\n        url: https://nuts-keys.vault.azure.net/\n        hsm: true\n      recipients: [\(recipient)]\n",
            expected:
                #"lifeboat.yaml:23: nodes[0].identity.source: unknown key "hsm" (expected one of: type, url)"#
        ),
    ]

    @Test(arguments: cases)
    func unknownKey(_ testCase: Case) {
        #expect(failure(testCase.yaml) == testCase.expected)
    }
}
