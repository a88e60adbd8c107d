import CLLNReport
import Foundation
import Synchronization

/// How to start this program as a run worker: `executable arguments… ORDER-FILE TRIAL`, which
/// must end in ``RunWorker/main(order:trial:)``.
public struct WorkerLaunch: Sendable {
    public var executable: URL
    public var arguments: [String]
    public init(executable: URL, arguments: [String]) {
        self.executable = executable
        self.arguments = arguments
    }
}

/// Runs the trials of any ``Trial`` kind into a ``RunFolder`` and writes its report: the one run
/// layer of clln. Trials already finished in the folder are kept when resuming; the others run
/// on threads (in-process backends) or in worker processes (SPICE: one simulator per process),
/// at most `jobs` at a time, behind one progress bar. A trial that throws, or whose worker dies,
/// becomes a failed trial of the summary; `resume` continues it from its checkpoint.
public struct RunScheduler: Sendable {
    public var jobs: Int
    public var resume: Bool
    /// How to start worker processes; `nil` runs trials of backends that cannot share a process
    /// one after another in this process.
    public var worker: WorkerLaunch?

    public init(jobs: Int = ProcessInfo.processInfo.activeProcessorCount, resume: Bool = false, worker: WorkerLaunch? = nil) {
        self.jobs = max(jobs, 1)
        self.resume = resume
        self.worker = worker
    }

    /// Validates the run (backend, then the trial kind's own checks: bad input throws before any
    /// file is written), runs every unfinished trial, and returns the report's summary.
    public func run<T: Trial>(_ trial: T, on backend: T.Backend, in folder: RunFolder) throws -> T.Summary {
        try backend.validate()
        try trial.validate(on: backend)
        let backendInfo = try backend.info()
        let start = ContinuousClock.now
        try folder.claim(trial, on: backend, resume: resume)
        folder.prepare(resume: resume)
        let pending = (0..<trial.trialCount).filter { Self.finished(trial, $0, in: folder) == nil }
        let progress = ProgressBar(total: pending.count * trial.progressUnits, label: "\(trial.name) \(backend.name)")
        if !backend.runsOnThreads, let worker, jobs > 1, pending.count > 1 {
            try runProcesses(trial, pending: pending, backend: backend, folder: folder, worker: worker, progress: progress)
        } else {
            let threads = backend.runsOnThreads ? min(jobs, max(pending.count, 1)) : 1
            let next = Atomic<Int>(0)
            DispatchQueue.concurrentPerform(iterations: threads) { _ in
                while true {
                    let i = next.wrappingAdd(1, ordering: .relaxed).oldValue
                    guard i < pending.count else { return }
                    Self.runOne(trial, pending[i], on: backend, in: folder, resume: resume) { progress.advance(by: $0) }
                }
            }
        }
        progress.finish()
        var results: [(trial: Int, result: T.Result)] = []
        var failures: [FailedTrial] = []
        for k in 0..<trial.trialCount {
            if let result = Self.finished(trial, k, in: folder) {
                results.append((k, result))
            } else {
                failures.append(FailedTrial(trial: k, error: folder.failure(trial: k) ?? "no result"))
            }
        }
        let outcome = RunOutcome(
            results: results, failures: failures, backend: backend, backendInfo: backendInfo,
            wallSeconds: (ContinuousClock.now - start).seconds)
        return try trial.report(outcome, into: folder)
    }

    /// Trial `k`'s result in `folder` when it belongs to this run.
    static func finished<T: Trial>(_ trial: T, _ k: Int, in folder: RunFolder) -> T.Result? {
        guard let result = folder.result(T.Result.self, trial: k), trial.isResult(result, ofTrial: k) else { return nil }
        return result
    }

    /// Runs trial `k` (from its checkpoint when `resume`) and stores its result, or records why it
    /// failed. Never throws: a failure belongs to the trial, not to the run.
    static func runOne<T: Trial>(
        _ trial: T, _ k: Int, on backend: T.Backend, in folder: RunFolder, resume: Bool, progress: @escaping @Sendable (Int) -> Void
    ) {
        let context = TrialContext<T.Checkpoint>(
            resumeFrom: resume ? folder.checkpoint(T.Checkpoint.self, trial: k) : nil,
            saveCheckpoint: { try folder.storeCheckpoint($0, trial: k) }, progress: progress,
            artifacts: folder.artifactsFolder(k))
        do {
            let result = try trial.run(k, on: backend, context: context)
            try folder.storeResult(result, trial: k)
        } catch {
            folder.recordFailure("\(error)", trial: k)
        }
    }

    /// Each pending trial in a worker process, at most `jobs` at a time. Workers read the
    /// order file (this trial kind, whole, and the backend), report progress on their standard
    /// output, and leave their result or error file; one that dies leaves a crash record.
    func runProcesses<T: Trial>(
        _ trial: T, pending: [Int], backend: T.Backend, folder: RunFolder, worker: WorkerLaunch, progress: ProgressBar
    ) throws {
        try AtomicFile.write(try JSONEncoder().encode(WorkerOrder(kind: T.kind, backend: backend, trial: trial)), to: folder.workerOrderFile)
        var running: [(trial: Int, process: Process, reader: WorkerOutputReader)] = []
        var queue = pending[...]
        while !queue.isEmpty || !running.isEmpty {
            while running.count < jobs, let k = queue.popFirst() {
                let process = Process()
                process.executableURL = worker.executable
                process.arguments = worker.arguments + [folder.workerOrderFile.path, "\(k)"]
                process.environment = ProcessInfo.processInfo.environment.merging(
                    [RunWorker.parentEnvironmentKey: "\(getpid())"]) { $1 }
                let reader = WorkerOutputReader(progress: progress)
                process.standardOutput = reader.pipe
                try process.run()
                running.append((k, process, reader))
            }
            Thread.sleep(forTimeInterval: 0.05)
            // Decide once which workers ended, so that one ending meanwhile is not dropped unchecked.
            let ended = running.filter { !$0.process.isRunning }
            running.removeAll { worker in ended.contains { $0.process === worker.process } }
            for worker in ended {
                worker.reader.drain()
                let status = worker.process.terminationStatus
                if worker.process.terminationReason == .uncaughtSignal {
                    folder.recordCrash(
                        "the worker process for trial \(worker.trial) was killed by signal \(status); rerun with --resume to continue it from its checkpoint",
                        trial: worker.trial)
                } else if status != 0 {
                    folder.recordCrash(
                        "the worker process for trial \(worker.trial) exited with status \(status) without a result; see the messages above, then rerun with --resume",
                        trial: worker.trial)
                }
            }
        }
        try? FileManager.default.removeItem(at: folder.workerOrderFile)
    }
}

/// What a worker process is told to run: a trial kind (whole), on a backend.
struct WorkerOrder<T: Trial>: Codable {
    var kind: String
    var backend: T.Backend
    var trial: T
}

/// The entry point of worker processes, and the registry of trial kinds they can run.
public enum RunWorker {
    /// The line prefix with which a worker reports finished units of work to its parent.
    static let progressPrefix = "clln-progress "

    private static let runners = Mutex<[String: @Sendable (Data, Int, RunFolder) throws -> Void]>([:])

    /// Makes `type` runnable in worker processes.
    public static func register<T: Trial>(_ type: T.Type) {
        runners.withLock {
            $0[T.kind] = { data, k, folder in
                let order = try JSONDecoder().decode(WorkerOrder<T>.self, from: data)
                RunScheduler.runOne(order.trial, k, on: order.backend, in: folder, resume: true) { reportProgress($0) }
            }
        }
    }

    /// Runs trial `k` of the order in the file at `path` and stores its result or failure in the
    /// order's run folder; `kinds` are registered first. Throws only when the order itself is
    /// unreadable or of an unknown kind.
    public static func main(order path: String, trial k: Int, kinds: [any Trial.Type] = []) throws {
        exitWithParent()
        for kind in kinds { register(kind) }
        let url = URL(fileURLWithPath: path)
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw RunError.badWorkerOrder(path, error.localizedDescription) }
        struct Header: Decodable { var kind: String }
        guard let header = try? JSONDecoder().decode(Header.self, from: data) else {
            throw RunError.badWorkerOrder(path, "not a worker order")
        }
        guard let runner = runners.withLock({ $0[header.kind] }) else {
            throw RunError.badWorkerOrder(path, "unknown trial kind \"\(header.kind)\"; register it with RunWorker.register(_:)")
        }
        try runner(data, k, RunFolder(url.deletingLastPathComponent()))
    }

    /// The environment variable in which the run layer gives a worker its parent's process id.
    static let parentEnvironmentKey = "CLLN_WORKER_PARENT"

    /// Ends this worker process within ~0.2 s of its parent's end. Workers run in their own
    /// process groups, so a Ctrl-C or a kill of the parent does not reach them; without this they
    /// would run their trial to its end unwatched, and a `--resume` started meanwhile would run
    /// the same trial twice. A watcher thread compares the parent process id with the one the run
    /// layer passed (``parentEnvironmentKey``; else the parent at start) and exits with status 143
    /// (as SIGTERM would) once they differ; the trial's last checkpoint stays for `--resume`.
    static func exitWithParent() {
        let parent = ProcessInfo.processInfo.environment[parentEnvironmentKey].flatMap { Int32($0) } ?? getppid()
        let watcher = Thread {
            while getppid() == parent { Thread.sleep(forTimeInterval: 0.2) }
            _exit(143)
        }
        watcher.start()
    }

    /// In a worker process: tells the parent that `units` more units of work are done.
    static func reportProgress(_ units: Int) {
        guard units > 0 else { return }
        FileHandle.standardOutput.write(Data("\(progressPrefix)\(units)\n".utf8))
    }
}

/// Failures of the run layer itself.
public enum RunError: Error, CustomStringConvertible {
    case badWorkerOrder(String, String)

    public var description: String {
        switch self {
        case let .badWorkerOrder(path, why): "cannot run the worker order \(path): \(why)"
        }
    }
}

/// Reads a worker's standard output and advances the parent's progress bar; other lines are
/// passed through to the parent's standard error.
private final class WorkerOutputReader: @unchecked Sendable {
    let pipe = Pipe()
    private let progress: ProgressBar
    private let lock = NSLock()
    private var pending = Data()

    init(progress: ProgressBar) {
        self.progress = progress
        pipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            self?.consume(handle.availableData)
        }
    }

    /// Reads what is left after the process ended and stops listening.
    func drain() {
        pipe.fileHandleForReading.readabilityHandler = nil
        consume(pipe.fileHandleForReading.readDataToEndOfFile())
    }

    private func consume(_ data: Data) {
        lock.lock()
        defer { lock.unlock() }
        pending.append(data)
        while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
            let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
            pending.removeSubrange(pending.startIndex...newline)
            if line.hasPrefix(RunWorker.progressPrefix), let units = Int(line.dropFirst(RunWorker.progressPrefix.count)) {
                progress.advance(by: units)
            } else if !line.isEmpty {
                FileHandle.standardError.write(Data((line + "\n").utf8))
            }
        }
    }
}

extension Duration {
    /// This duration in seconds.
    public var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
