internal import GRDB

/// A job row with its repositories, as one request fetches them; read-only.
struct JobInfo: Decodable, FetchableRecord {
    var record: JobRecord
    var repositories: [JobRepositoryRecord]

    /// The request for jobs with their repositories, sorted by name.
    static func request(_ jobs: QueryInterfaceRequest<JobRecord>) -> QueryInterfaceRequest<JobInfo> {
        jobs.including(all: JobRecord.repositories.order(JobRepositoryRecord.Columns.repository))
            .asRequest(of: JobInfo.self)
    }

    /// The public value; throws if the row has no id, which only an unsaved record lacks.
    func job() throws -> Job {
        try record.job(repositories: repositories.map(\.repository))
    }
}
