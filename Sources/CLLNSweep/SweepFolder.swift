import CLLN
import CLLNReport
import CLLNRuns
import Foundation

/// How far a point got, read from its folder.
public enum SweepPointState: String, Sendable, Codable, CaseIterable {
    /// Its report is written and no trial failed.
    case done
    /// It stopped on an error, or some of its trials failed (`error.txt` says why).
    case failed
    /// Not run yet, running, or run with other settings.
    case pending
}

/// What a sweep is: its points and how they run. Written by `clln sweep SPEC`; `run-point`,
/// `status` and `collect` read it; point states are refreshed from the point folders.
public struct SweepManifest: Codable, Sendable {
    public struct Entry: Codable, Sendable {
        public var point: SweepPoint
        public var status: SweepPointState
    }

    public var name: String
    public var family: SweepFamily
    /// The spec's folder (relative paths of settings resolve against it).
    public var directory: String
    public var executor: SweepExecutorKind
    public var design: SweepDesign.Kind
    /// The design's varied keys, sorted: the table's parameter columns and the plots' axes.
    public var parameters: [String]
    public var points: [Entry]
    /// The Slurm job of the latest submission.
    public var slurmJob: String?

    enum CodingKeys: String, CodingKey {
        case name, family, directory, executor, design, parameters, points, slurmJob = "slurm_job"
    }

    public init(spec: SweepSpec) {
        name = spec.name
        family = spec.family
        directory = spec.directory
        executor = spec.executor
        design = spec.design.kind
        parameters = spec.design.parameters.keys.sorted()
        points = spec.points().map { Entry(point: $0, status: .pending) }
    }

    /// Points per state.
    public var counts: [SweepPointState: Int] {
        Dictionary(grouping: points, by: \.status).mapValues(\.count)
    }
}

/// Problems with a sweep folder or its executors (not with the spec).
public enum SweepError: Error, CustomStringConvertible {
    case notASweep(String)
    case noPoint(Int, count: Int)
    case submission(String)

    /// Whether this is bad input (exit 65) rather than a failure of the cluster (70).
    public var isInputError: Bool {
        if case .submission = self { return false }
        return true
    }

    public var description: String {
        switch self {
        case let .notASweep(path): "\(path) is not a sweep folder (no readable manifest.json); start one with clln sweep SPEC.yaml --out \(path)"
        case let .noPoint(k, count): "the sweep has no point \(k); its points are 0–\(count - 1)"
        case let .submission(why): why
        }
    }
}

/// The folder of a sweep, the single owner of its layout:
/// - `manifest.json`: the points and their states;
/// - `points/point-K/`: point K's run folder (``RunFolder``) with `point.json` (its settings),
///   `summary.json` and the report of its trials, `error.txt` when it failed, `log.txt` (its
///   process's output);
/// - `sweep.sbatch` and `logs/` (Slurm);
/// - `table.csv`, `table.json` and `plots/` (``SweepCollection``).
public struct SweepFolder: Sendable {
    public var url: URL

    public init(_ url: URL) { self.url = url }

    var manifestFile: URL { url.appendingPathComponent("manifest.json") }
    public func file(_ name: String) -> URL { url.appendingPathComponent(name) }
    public func pointFolder(_ k: Int) -> RunFolder { RunFolder(url.appendingPathComponent("points/point-\(k)")) }

    public func readManifest() throws -> SweepManifest {
        guard let data = try? Data(contentsOf: manifestFile), let manifest = try? JSONOutput.decode(SweepManifest.self, from: data) else {
            throw SweepError.notASweep(url.path)
        }
        return manifest
    }

    public func writeManifest(_ manifest: SweepManifest) throws {
        try AtomicFile.write(try JSONOutput.encode(manifest), to: manifestFile)
    }

    /// The settings point K last ran with.
    func storedPoint(_ k: Int) -> SweepPoint? {
        guard let data = try? Data(contentsOf: pointFolder(k).file("point.json")) else { return nil }
        return try? JSONOutput.decode(SweepPoint.self, from: data)
    }

    /// Point `point`'s state, from its folder.
    public func state(of point: SweepPoint) -> SweepPointState {
        let folder = pointFolder(point.index)
        guard storedPoint(point.index) == point else { return .pending }
        if FileManager.default.fileExists(atPath: folder.file("error.txt").path) { return .failed }
        return FileManager.default.fileExists(atPath: folder.file("summary.json").path) ? .done : .pending
    }

    /// Why point K failed.
    public func failure(_ k: Int) -> String? {
        (try? String(contentsOf: pointFolder(k).file("error.txt"), encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The manifest with every point's state read from its folder, written back.
    @discardableResult
    public func refresh(_ manifest: SweepManifest) throws -> SweepManifest {
        var m = manifest
        for i in m.points.indices { m.points[i].status = state(of: m.points[i].point) }
        try writeManifest(m)
        return m
    }

    /// Runs point `k` of the manifest (the body of `clln sweep run-point`): skipped when done;
    /// otherwise its trials run through the run layer (`jobs` at a time; SPICE trials in
    /// `worker` processes) continuing a failed attempt with the same settings, and a failure
    /// is recorded in `error.txt`, never thrown. Throws only when the folder or point is unknown.
    public func runPoint(_ k: Int, jobs: Int, worker: WorkerLaunch?) throws -> SweepPointState {
        let manifest = try readManifest()
        guard manifest.points.indices.contains(k) else { throw SweepError.noPoint(k, count: manifest.points.count) }
        let point = manifest.points[k].point
        let state = state(of: point)
        guard state != .done else { return .done }
        let folder = pointFolder(k)
        for stale in ["error.txt", "summary.json"] { try? FileManager.default.removeItem(at: folder.file(stale)) }
        do {
            let run = try SweepRun(point, family: manifest.family, directory: manifest.directory)
            let resume = storedPoint(k) == point
            try folder.writeJSON(point, to: "point.json")
            let failures = try run.run(in: folder, scheduler: RunScheduler(jobs: jobs, resume: resume, worker: worker))
            guard failures.isEmpty else {
                try folder.write(failures.map { "trial \($0.trial): \($0.error)" }.joined(separator: "\n") + "\n", to: "error.txt")
                return .failed
            }
            return .done
        } catch {
            try? folder.write("\(error)\n", to: "error.txt")
            return .failed
        }
    }

    /// Records that `point`'s process stopped without a result or its own error (with its
    /// settings, so that the point counts as failed).
    func recordCrash(_ description: String, point: SweepPoint) {
        let folder = pointFolder(point.index)
        guard !FileManager.default.fileExists(atPath: folder.file("error.txt").path),
            !FileManager.default.fileExists(atPath: folder.file("summary.json").path)
        else { return }
        try? folder.writeJSON(point, to: "point.json")
        try? folder.write(description + "\n", to: "error.txt")
    }
}
