import Foundation

/// A kind of run, as the run layer sees it: a number of independent trials, each of which runs on
/// a `Backend` and leaves a `Result`; then a report over all of them.
///
/// The run layer (``RunScheduler``) owns everything else: the run folder and its atomic files,
/// checkpoints and `--resume`, failed and crashed trials, threads or worker processes, progress.
/// A conformer is `Codable` so that a worker process receives it whole; register conformers
/// outside this library with ``RunWorker/register(_:)``.
public protocol Trial: Codable, Sendable {
    /// What the trials run on (for CLLNs: the solver backend and chip).
    associatedtype Backend: RunBackend
    associatedtype Result: Codable & Sendable
    /// The state of an unfinished trial that a resumed run continues from (``NoCheckpoint`` for
    /// trials that restart).
    associatedtype Checkpoint: Codable & Sendable = NoCheckpoint
    associatedtype Summary: Encodable & Sendable

    /// Names this kind in worker orders, e.g. `q-learning`.
    static var kind: String { get }
    /// A short name for progress bars and summaries.
    var name: String { get }
    /// Number of trials of the run.
    var trialCount: Int { get }
    /// This run with `count` trials, or `nil` when the kind's trials are not numbered
    /// independently of their count (e.g. a grid over factors). `--resume` with a larger trial
    /// count extends a run through it, so trial k of the longer run must be trial k of the
    /// shorter one (same seed and settings).
    func withTrialCount(_ count: Int) -> Self?
    /// Units of progress one trial reports (steps, epochs).
    var progressUnits: Int { get }
    /// Whether `result`, read back from the run folder, is trial `k`'s result of this very run
    /// (same seed and sizes), so that `--resume` never mixes runs.
    func isResult(_ result: Result, ofTrial k: Int) -> Bool
    /// Checks what the CLI could not: sizes against the backend, reachable optima. Runs before any
    /// trial starts; throws bad-input errors.
    func validate(on backend: Backend) throws
    /// Runs trial `k` on `backend`.
    func run(_ k: Int, on backend: Backend, context: TrialContext<Checkpoint>) throws -> Result
    /// Collects the outcome into the summary and writes the report files into `folder`.
    func report(_ outcome: RunOutcome<Result, Backend>, into folder: RunFolder) throws -> Summary
}

extension Trial {
    public func validate(on backend: Backend) throws {}
    public func withTrialCount(_ count: Int) -> Self? { nil }
}

/// What trials run on, described as a value a worker process can receive.
public protocol RunBackend: Codable, Sendable {
    /// A short name for summaries and progress bars, e.g. `ideal`.
    var name: String { get }
    /// Whether several trials may run on threads of one process; otherwise parallel trials are
    /// worker processes (e.g. ngspice: one simulator per process).
    var runsOnThreads: Bool { get }
    /// Throws bad input (a negative spread, an unreadable model) before any trial starts.
    func validate() throws
    /// What a summary records about the backend.
    func info() throws -> [String: String]
}

/// The backend of trials that need no choice of simulator: they run on threads of this process.
public struct InProcessBackend: RunBackend, Hashable {
    public init() {}
    public var name: String { "in-process" }
    public var runsOnThreads: Bool { true }
    public func validate() throws {}
    public func info() throws -> [String: String] { [:] }
}

/// For trials that do not checkpoint.
public struct NoCheckpoint: Codable, Sendable {}

/// What a running trial may use: the checkpoint to continue from, a way to store a new one, a
/// way to report progress (units of ``Trial/progressUnits``), and a folder of its own for files
/// beyond its result (figures of that trial).
public struct TrialContext<Checkpoint: Sendable>: Sendable {
    public var resumeFrom: Checkpoint?
    public var saveCheckpoint: @Sendable (Checkpoint) throws -> Void
    public var progress: @Sendable (Int) -> Void
    /// `trials/trial-K/` of the run folder (not created until the trial writes into it).
    public var artifacts: URL

    public init(resumeFrom: Checkpoint? = nil, saveCheckpoint: @escaping @Sendable (Checkpoint) throws -> Void = { _ in },
                progress: @escaping @Sendable (Int) -> Void = { _ in },
                artifacts: URL = FileManager.default.temporaryDirectory.appendingPathComponent("clln-trial-\(UUID().uuidString)")) {
        self.resumeFrom = resumeFrom
        self.saveCheckpoint = saveCheckpoint
        self.progress = progress
        self.artifacts = artifacts
    }
}

/// A trial that stopped on an error (kept in the summary so that no finished trial is lost).
public struct FailedTrial: Codable, Sendable, Hashable {
    public var trial: Int
    public var error: String
    public init(trial: Int, error: String) {
        self.trial = trial
        self.error = error
    }
}

/// Everything a run produced, handed to ``Trial/report(_:into:)``.
public struct RunOutcome<Result: Sendable, Backend: RunBackend>: Sendable {
    /// Finished trials as (index, result), in trial order.
    public var results: [(trial: Int, result: Result)]
    /// Trials without a result: their error, or "no result" when they left none.
    public var failures: [FailedTrial]
    public var backend: Backend
    /// ``RunBackend/info()`` of the backend.
    public var backendInfo: [String: String]
    /// Wall time of this invocation (not of earlier, resumed ones).
    public var wallSeconds: Double

    public init(results: [(trial: Int, result: Result)], failures: [FailedTrial], backend: Backend,
                backendInfo: [String: String], wallSeconds: Double) {
        self.results = results
        self.failures = failures
        self.backend = backend
        self.backendInfo = backendInfo
        self.wallSeconds = wallSeconds
    }
}

/// A count of successful trials with the 95% Wilson score interval of the per-trial success rate:
/// what a handful of trials says about how often the experiment succeeds (7 of 10 is consistent
/// with any rate from 40% to 89%).
public struct SuccessRate: Codable, Sendable, Hashable {
    public var successes: Int
    public var trials: Int
    /// Bounds of the 95% interval of the per-trial rate.
    public var low: Double
    public var high: Double

    public init(successes: Int, trials: Int) {
        self.successes = successes
        self.trials = trials
        guard trials > 0 else {
            (low, high) = (0, 1)
            return
        }
        let z = 1.959963984540054, n = Double(trials), p = Double(successes) / n
        let denominator = 1 + z * z / n
        let center = (p + z * z / (2 * n)) / denominator
        let half = z * (p * (1 - p) / n + z * z / (4 * n * n)).squareRoot() / denominator
        (low, high) = (max(0, center - half), min(1, center + half))
    }

    /// "7/10 (95% interval of the rate: 40–89%)".
    public var description: String {
        "\(successes)/\(trials) (95% interval of the rate: " + String(format: "%.0f–%.0f%%)", 100 * low, 100 * high)
    }
}
