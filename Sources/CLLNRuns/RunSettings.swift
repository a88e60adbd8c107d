import CLLNReport
import Foundation

/// What a run was started with — its trial kind, backend and trial description — kept in its
/// folder (`run-settings.json`) so that `--resume` continues only the same run: finished trials
/// of other settings are never mixed into a summary, and a changed setting is named.
///
/// Arrays longer than ``longArray`` (data sets, gate vectors) are kept as a count and a 64-bit
/// FNV-1a digest of their JSON, so the file stays small while a change in them is still found
/// and named by its path.
struct RunSettings {
    static let fileName = "run-settings.json"
    static let longArray = 64

    /// The settings as a JSON tree (dictionaries, arrays, numbers, strings, null) after one
    /// serialization round trip, so that a tree read back from the file compares equal.
    let tree: Any

    init<T: Trial>(_ trial: T, on backend: T.Backend) throws {
        let encoded = try JSONOutput.encode(Record(kind: T.kind, trials: trial.trialCount, backend: backend, trial: trial))
        let condensed = Self.condensed(try JSONSerialization.jsonObject(with: encoded, options: [.fragmentsAllowed]))
        tree = try JSONSerialization.jsonObject(with: try Self.serialize(condensed), options: [.fragmentsAllowed])
    }

    private struct Record<T: Trial>: Encodable {
        var kind: String
        var trials: Int
        var backend: T.Backend
        var trial: T
    }

    init(contentsOf url: URL) throws {
        tree = try JSONSerialization.jsonObject(with: try Data(contentsOf: url), options: [.fragmentsAllowed])
    }

    private init(tree: Any) { self.tree = tree }

    /// The trial count of settings recorded before the count was kept: the whole number at the
    /// one place where they differ from `current` (e.g. `trial.task.trials`), if there is one.
    func legacyTrialCount(comparedWith current: RunSettings) throws -> Int? {
        let differences = try differences(from: current.withoutTrialCount, limit: 2)
        guard differences.count == 1 else { return nil }
        var node: Any? = tree
        for key in differences[0].split(separator: ".") { node = (node as? [String: Any])?[String(key)] }
        return node as? Int
    }

    /// These settings without the trial count, as folders recorded them before it was kept.
    var withoutTrialCount: RunSettings {
        guard var dictionary = tree as? [String: Any] else { return self }
        dictionary["trials"] = nil
        return RunSettings(tree: dictionary)
    }

    func data() throws -> Data { try Self.serialize(tree) }

    /// The run's trial count (absent in folders from before it was recorded).
    var trialCount: Int? { (tree as? [String: Any])?["trials"] as? Int }

    /// The paths (`trial.task.rule.alpha`) where `other` differs from these settings, at most
    /// `limit` of them, in key order.
    func differences(from other: RunSettings, limit: Int = 6) throws -> [String] {
        var found: [String] = []
        try Self.collectDifferences(tree, other.tree, path: "", into: &found, limit: limit)
        return found
    }

    private static func serialize(_ value: Any) throws -> Data {
        try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .prettyPrinted, .fragmentsAllowed])
    }

    private static func condensed(_ value: Any) -> Any {
        if let dictionary = value as? [String: Any] { return dictionary.mapValues(condensed) }
        guard let array = value as? [Any] else { return value }
        guard array.count > longArray, let data = try? serialize(array) else { return array.map(condensed) }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in data {
            hash ^= UInt64(byte)
            hash &*= 0x100_0000_01b3
        }
        return "\(array.count) values, FNV-1a \(String(hash, radix: 16))"
    }

    private static func collectDifferences(_ a: Any, _ b: Any, path: String, into found: inout [String], limit: Int) throws {
        guard found.count < limit, try serialize(a) != serialize(b) else { return }
        if let x = a as? [String: Any], let y = b as? [String: Any] {
            for key in Set(x.keys).union(y.keys).sorted() {
                let child = path.isEmpty ? key : "\(path).\(key)"
                guard let u = x[key], let v = y[key] else {
                    if found.count < limit { found.append(child) }
                    continue
                }
                try collectDifferences(u, v, path: child, into: &found, limit: limit)
            }
        } else if let x = a as? [Any], let y = b as? [Any], x.count == y.count {
            for (i, (u, v)) in zip(x, y).enumerated() {
                try collectDifferences(u, v, path: "\(path)[\(i)]", into: &found, limit: limit)
            }
        } else {
            found.append(path.isEmpty ? "the whole run" : path)
        }
    }
}

/// `--resume` in a folder whose run had other settings.
public enum RunSettingsError: Error, CustomStringConvertible {
    case changed(folder: String, differences: [String])
    /// Fewer trials than the folder's run has (a run is extended, never cut).
    case fewerTrials(folder: String, recorded: Int, given: Int)

    public var description: String {
        switch self {
        case let .changed(folder, differences):
            "--resume: the run in \(folder) was started with other settings (they differ in \(differences.joined(separator: ", "))); "
                + "resume with the same command and config, or drop --resume to start over there, or give another --out"
        case let .fewerTrials(folder, recorded, given):
            "--resume: the run in \(folder) has \(recorded) trials, this command \(given); resume with --trials \(recorded) or more "
                + "(more extends the run, keeping the finished trials), or give another --out"
        }
    }
}

extension RunFolder {
    var settingsFile: URL { file(RunSettings.fileName) }

    /// Makes this folder the home of `trial` on `backend`: a new run records its settings; a
    /// resumed one must have the recorded ones, except that a kind whose trials are numbered
    /// independently of their count (``Trial/withTrialCount(_:)``) may resume with more trials,
    /// which extends the run (a folder from before settings were recorded takes the current
    /// ones). Throws ``RunSettingsError`` before any trial runs.
    func claim<T: Trial>(_ trial: T, on backend: T.Backend, resume: Bool) throws {
        let settings = try RunSettings(trial, on: backend)
        if resume, FileManager.default.fileExists(atPath: settingsFile.path) {
            let recorded = try RunSettings(contentsOf: settingsFile)
            var comparable = recorded.trialCount == nil ? settings.withoutTrialCount : settings
            if let count = recorded.trialCount, count != trial.trialCount, let shorter = trial.withTrialCount(count) {
                guard count < trial.trialCount else {
                    throw RunSettingsError.fewerTrials(folder: url.path, recorded: count, given: trial.trialCount)
                }
                comparable = try RunSettings(shorter, on: backend)
            } else if recorded.trialCount == nil, let count = try recorded.legacyTrialCount(comparedWith: settings), count < trial.trialCount,
                let shorter = trial.withTrialCount(count)
            {
                // A folder from before the count was kept, extended: its count is the one number that
                // differs. When that reading is wrong, the settings of the command itself are compared.
                let extended = try RunSettings(shorter, on: backend).withoutTrialCount
                if try recorded.differences(from: extended).isEmpty { comparable = extended }
            }
            let differences = try recorded.differences(from: comparable)
            guard differences.isEmpty else { throw RunSettingsError.changed(folder: url.path, differences: differences) }
            if recorded.trialCount == trial.trialCount { return }
        }
        try AtomicFile.write(try settings.data(), to: settingsFile)
    }
}
