import CLLNRuns
import Foundation

/// Bad input: a malformed topology, config, chip or gate file, or a value the library cannot
/// use. Every conforming error's `description` names the offending input (the file key, flag or
/// node) and the fix. Front ends map the whole family to one outcome (the CLI: exit 65, before
/// any solve) with a single `error is InputError` check.
///
/// Failures of the world (a solver that does not converge, ngspice missing or failing, a disk
/// that is full) are not input errors and do not conform.
public protocol InputError: Error, CustomStringConvertible {}

extension TopologyError: InputError {}
extension TopologyFileError: InputError {}
extension GeneratorError: InputError {}
extension LearningError: InputError {}
extension SupervisedConfigError: InputError {}
extension ChipSpecError: InputError {}
extension DatasetSplitError: InputError {}
extension ExperimentConfigError: InputError {}
/// `--resume` with other settings than the folder's run: the user gave them.
extension RunSettingsError: InputError {}
/// An unknown model card or one the compiler cannot use: the user named it.
extension NetlistError: InputError {}

/// Limits on sizes read from files and flags: beyond them a run would exhaust memory or
/// overflow a count long before it produced anything, so they are refused up front.
public enum InputLimits {
    /// Nodes of a topology (the largest benchmark lattice has 262,144).
    public static let maximumNodes = 10_000_000
    /// Trials of one run.
    public static let maximumTrials = 100_000
    /// Training steps of one Q-learning trial.
    public static let maximumSteps = 1_000_000_000
    /// Measurements of one trial (log-spaced points, or steps / measurement_interval).
    public static let maximumMeasurements = 1_000_000
    /// Epochs of one supervised trial.
    public static let maximumEpochs = 10_000_000
    /// Nodes of one hidden layer of a supervised network.
    public static let maximumLayerWidth = 10_000
    /// Random samples of a check (`clln validate`, `clln check gradient`).
    public static let maximumSamples = 1_000_000
    /// States of a grid task.
    public static let maximumGridCells = 100_000
}

/// A decoding container's keys that the type does not know are an error naming the key, the
/// closest known key, and every known key.
struct AnyCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) {
        stringValue = "\(intValue)"
        self.intValue = intValue
    }
}

/// Throws a `DecodingError` for the first key of `decoder`'s keyed container not in `known`;
/// `what` names the object ("a topology file", "an edge").
func rejectUnknownKeys(in decoder: Decoder, known: [String], what: String) throws {
    guard let container = try? decoder.container(keyedBy: AnyCodingKey.self) else { return }
    let knownSet = Set(known)
    for key in container.allKeys.sorted(by: { $0.stringValue < $1.stringValue }) where !knownSet.contains(key.stringValue) {
        let hint = closest(to: key.stringValue, in: known).map { "did you mean \"\($0)\"? " } ?? ""
        throw DecodingError.dataCorrupted(.init(
            codingPath: decoder.codingPath + [key],
            debugDescription: "unknown key \"\(key.stringValue)\"; \(hint)remove it or use one of the keys of \(what): "
                + known.joined(separator: ", ")))
    }
}

/// The known key nearest to `key` by edit distance, when it is close (a likely typo).
func closest(to key: String, in known: [String]) -> String? {
    func distance(_ a: [Character], _ b: [Character]) -> Int {
        guard !a.isEmpty else { return b.count }
        var row = Array(0...b.count)
        for i in 1...a.count {
            var previous = row[0]
            row[0] = i
            for j in stride(from: 1, through: b.count, by: 1) {
                let next = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = row[j]
                row[j] = next
            }
        }
        return row[b.count]
    }
    let target = Array(key.lowercased())
    let scored = known.map { ($0, distance(target, Array($0.lowercased()))) }
    guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= max(2, target.count / 3) else { return nil }
    return best.0
}
