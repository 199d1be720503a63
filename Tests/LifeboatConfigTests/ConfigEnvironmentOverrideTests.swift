import LifeboatConfig
import LifeboatCore
import Testing

/// `LIFEBOAT_*` variables override single top-level and `jobs` values and are checked like the file's.
@Suite struct ConfigEnvironmentOverrideTests {
    @Test func overridableVariables() {
        #expect(
            EnvironmentOverride.all.map(\.variable) == [
                "LIFEBOAT_LISTEN", "LIFEBOAT_CATALOG", "LIFEBOAT_JOBS_MAX_PARALLEL", "LIFEBOAT_JOBS_RUN_MISSED_AT_START",
                "LIFEBOAT_JOBS_SHUTDOWN_GRACE", "LIFEBOAT_JOBS_PRUNE_EVERY",
            ])
    }

    @Test func listenOverridesTheFile() throws {
        let yaml = "listen: 127.0.0.1:8480\n" + minimalYAML
        let configuration = try parse(yaml, environment: ["LIFEBOAT_LISTEN": "0.0.0.0:9000"])
        #expect(configuration.listen == ListenAddress(host: "0.0.0.0", port: 9000))
    }

    @Test func overrideSuppliesAnAbsentKeyAndSection() throws {
        let configuration = try parse(
            minimalYAML,
            environment: [
                "LIFEBOAT_JOBS_MAX_PARALLEL": "8", "LIFEBOAT_JOBS_RUN_MISSED_AT_START": "false",
                "LIFEBOAT_JOBS_SHUTDOWN_GRACE": "2m", "LIFEBOAT_JOBS_PRUNE_EVERY": "12h",
            ])
        #expect(configuration.jobs.maxParallel == 8)
        #expect(configuration.jobs.runMissedAtStart == false)
        #expect(configuration.jobs.shutdownGrace == (try Interval("2m")))
        #expect(configuration.jobs.pruneEvery == (try Interval("12h")))
    }

    @Test func overrideMergesWithTheFilesSection() throws {
        let configuration = try parse(
            minimalYAML + "\njobs:\n  shutdown_grace: 45s\n  max_parallel: 3\n", environment: ["LIFEBOAT_JOBS_MAX_PARALLEL": "5"])
        #expect(configuration.jobs.maxParallel == 5)
        #expect(configuration.jobs.shutdownGrace == (try Interval("45s")))
    }

    @Test func overrideReplacesABadFileValue() throws {
        let configuration = try parse("listen: nonsense\n" + minimalYAML, environment: ["LIFEBOAT_LISTEN": "[::1]:8481"])
        #expect(configuration.listen.description == "[::1]:8481")
    }

    @Test func catalogOverrideIsResolvedLikeTheFiles() throws {
        let configuration = try parse(minimalYAML, environment: ["LIFEBOAT_CATALOG": "state/catalog.sqlite"])
        #expect(configuration.catalog == "/etc/lifeboat/state/catalog.sqlite")
    }

    @Test func badOverrideNamesTheVariable() {
        #expect(
            failure(minimalYAML, environment: ["LIFEBOAT_JOBS_MAX_PARALLEL": "many"])
                == #"LIFEBOAT_JOBS_MAX_PARALLEL (overriding jobs.max_parallel): "many" is not a whole number"#)
        #expect(
            failure(minimalYAML, environment: ["LIFEBOAT_LISTEN": "localhost"])
                == #"LIFEBOAT_LISTEN (overriding listen): "localhost" needs a port, e.g. localhost:8480"#)
        #expect(
            failure(minimalYAML, environment: ["LIFEBOAT_JOBS_SHUTDOWN_GRACE": "soon"])
                == #"LIFEBOAT_JOBS_SHUTDOWN_GRACE (overriding jobs.shutdown_grace): interval "soon": expected a number before "soon""#)
    }

    @Test func badOverrideIsReportedBeforeFileProblems() {
        let yaml = minimal(replacingLine: 13, with: "      max: seven")
        #expect(
            failure(yaml, environment: ["LIFEBOAT_JOBS_MAX_PARALLEL": "100"])
                == "LIFEBOAT_JOBS_MAX_PARALLEL (overriding jobs.max_parallel): 100 is out of range; use 1 to 64")
    }

    @Test func emptyAndUnrelatedVariablesAreIgnored() throws {
        let configuration = try parse(
            "listen: 127.0.0.1:8480\n" + minimalYAML,
            environment: [
                "LIFEBOAT_LISTEN": "", "LIFEBOAT_NODES_0_NAME": "x", "LIFEBOAT_OFFSITE_PASSWORD": "secret",
                "LIFEBOAT_API_TOKENS": "x",
            ])
        #expect(configuration.listen == .default)
        #expect(configuration.nodes.map(\.name) == ["n1"])
    }

    @Test func overrideCannotFixAWrongSectionShape() {
        #expect(
            failure(minimalYAML + "\njobs: 4\n", environment: ["LIFEBOAT_JOBS_MAX_PARALLEL": "4"])
                == #"lifeboat.yaml:15: jobs: expected a mapping of keys (max_parallel, run_missed_at_start, shutdown_grace, prune_every), got "4""#
        )
    }
}
