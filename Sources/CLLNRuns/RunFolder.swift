import CLLNReport
import Foundation

/// The folder of one run, the single owner of its layout:
/// - `trials/trial-K.json`: trial K's result, written atomically when it finishes;
/// - `trials/trial-K.error.txt`: why trial K stopped (its error, or how its worker died);
/// - `trials/trial-K/`: trial K's own files beyond its result (its figures), if it writes any;
/// - `checkpoints/trial-K.json`: the latest checkpoint of an unfinished trial K;
/// - `worker-order.json`: what worker processes run (SPICE trials in child processes);
/// - `run-settings.json`: what the run was started with, checked by `--resume` (``RunSettings``);
/// - the report files (`summary.json`, CSV, SVG) written by the run kind.
/// Every file is written atomically, so an interrupted run leaves whole files only.
public struct RunFolder: Sendable {
    public var url: URL

    public init(_ url: URL) { self.url = url }

    public func file(_ name: String) -> URL { url.appendingPathComponent(name) }
    func resultFile(_ k: Int) -> URL { url.appendingPathComponent("trials/trial-\(k).json") }
    func failureFile(_ k: Int) -> URL { url.appendingPathComponent("trials/trial-\(k).error.txt") }
    /// Trial `k`'s folder for files beyond its result.
    public func artifactsFolder(_ k: Int) -> URL { url.appendingPathComponent("trials/trial-\(k)") }
    func checkpointFile(_ k: Int) -> URL { url.appendingPathComponent("checkpoints/trial-\(k).json") }
    var workerOrderFile: URL { url.appendingPathComponent("worker-order.json") }

    /// Starts a run: without `resume`, forgets earlier trials and checkpoints in this folder.
    public func prepare(resume: Bool) {
        guard !resume else { return }
        for sub in ["trials", "checkpoints"] { try? FileManager.default.removeItem(at: url.appendingPathComponent(sub)) }
    }

    /// Writes `value` as pretty JSON to `name` (atomically).
    public func writeJSON<T: Encodable>(_ value: T, to name: String) throws {
        try AtomicFile.write(try JSONOutput.encode(value), to: file(name))
    }

    /// Writes `text` to `name` (atomically).
    public func write(_ text: String, to name: String) throws {
        try AtomicFile.write(text, to: file(name))
    }

    /// Trial `k`'s stored result, if its file exists and decodes.
    public func result<R: Decodable>(_ type: R.Type, trial k: Int) -> R? {
        guard let data = try? Data(contentsOf: resultFile(k)) else { return nil }
        return try? JSONOutput.decode(R.self, from: data)
    }

    /// Stores trial `k`'s result and forgets its checkpoint and any earlier failure.
    func storeResult<R: Encodable>(_ result: R, trial k: Int) throws {
        try AtomicFile.write(try JSONOutput.encode(result), to: resultFile(k))
        try? FileManager.default.removeItem(at: checkpointFile(k))
        try? FileManager.default.removeItem(at: failureFile(k))
    }

    /// Trial `k`'s latest checkpoint, if any.
    func checkpoint<C: Decodable>(_ type: C.Type, trial k: Int) -> C? {
        guard let data = try? Data(contentsOf: checkpointFile(k)) else { return nil }
        return try? JSONOutput.decode(C.self, from: data)
    }

    func storeCheckpoint<C: Encodable>(_ checkpoint: C, trial k: Int) throws {
        try AtomicFile.write(try JSONOutput.encode(checkpoint), to: checkpointFile(k))
    }

    /// Why trial `k` stopped, if it did.
    public func failure(trial k: Int) -> String? {
        (try? String(contentsOf: failureFile(k), encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func recordFailure(_ message: String, trial k: Int) {
        try? AtomicFile.write(message + "\n", to: failureFile(k))
    }

    /// Records that trial `k` stopped outside its trainer (its worker process died), unless it
    /// left a result or its own error message.
    func recordCrash(_ description: String, trial k: Int) {
        guard !FileManager.default.fileExists(atPath: resultFile(k).path),
            !FileManager.default.fileExists(atPath: failureFile(k).path)
        else { return }
        recordFailure(description, trial: k)
    }
}
