import CLLN
import CLLNReport
import CLLNRuns
import Foundation

/// One row of a sweep's table: a point, or (pooled) every seed of one parameter setting.
/// Q-learning rows have `best` and `near_optimal` rates; supervised rows the metrics and, for
/// classification, the rate of trials whose training set ends solved.
public struct SweepRow: Codable, Sendable, Equatable {
    /// The point's index (nil in pooled rows).
    public var point: Int?
    public var base: String
    public var seeds: [UInt64]
    /// The design's values.
    public var parameters: [String: SweepValue]
    /// Points per state behind this row.
    public var done: Int
    public var failed: Int
    public var pending: Int
    /// Finished trials, and trials that failed, of the finished points.
    public var trials: Int
    public var failedTrials: Int
    public var best: SuccessRate?
    public var nearOptimal: SuccessRate?
    public var solved: SuccessRate?
    public var trainMetric: Double?
    public var testMetric: Double?
    /// Sum of the trials' wall times (the only column that differs between identical runs).
    public var wallSeconds: Double?

    enum CodingKeys: String, CodingKey {
        case point, base, seeds, parameters, done, failed, pending, trials, failedTrials = "failed_trials"
        case best = "best_rate", nearOptimal = "near_optimal_rate", solved = "solved_rate"
        case trainMetric = "train_metric", testMetric = "test_metric", wallSeconds = "wall_s"
    }

    /// Rows pooled: trials and successes add up, metrics are means weighted by trials.
    init(pooling rows: [SweepRow]) {
        let first = rows[0]
        func pool(_ rate: KeyPath<SweepRow, SuccessRate?>) -> SuccessRate? {
            let rates = rows.compactMap { $0[keyPath: rate] }
            guard !rates.isEmpty else { return nil }
            return SuccessRate(successes: rates.map(\.successes).reduce(0, +), trials: rates.map(\.trials).reduce(0, +))
        }
        func mean(_ metric: KeyPath<SweepRow, Double?>) -> Double? {
            let weighted = rows.compactMap { row in row[keyPath: metric].map { ($0, Double(row.trials)) } }
            let weight = weighted.map(\.1).reduce(0, +)
            return weight > 0 ? weighted.map { $0.0 * $0.1 }.reduce(0, +) / weight : nil
        }
        let walls = rows.compactMap(\.wallSeconds)
        self.init(
            point: nil, base: first.base, seeds: rows.flatMap(\.seeds).sorted(), parameters: first.parameters,
            done: rows.map(\.done).reduce(0, +), failed: rows.map(\.failed).reduce(0, +), pending: rows.map(\.pending).reduce(0, +),
            trials: rows.map(\.trials).reduce(0, +), failedTrials: rows.map(\.failedTrials).reduce(0, +),
            best: pool(\.best), nearOptimal: pool(\.nearOptimal), solved: pool(\.solved),
            trainMetric: mean(\.trainMetric), testMetric: mean(\.testMetric), wallSeconds: walls.isEmpty ? nil : walls.reduce(0, +))
    }

    init(point: Int?, base: String, seeds: [UInt64], parameters: [String: SweepValue], done: Int, failed: Int, pending: Int,
         trials: Int, failedTrials: Int, best: SuccessRate? = nil, nearOptimal: SuccessRate? = nil, solved: SuccessRate? = nil,
         trainMetric: Double? = nil, testMetric: Double? = nil, wallSeconds: Double? = nil) {
        (self.point, self.base, self.seeds, self.parameters) = (point, base, seeds, parameters)
        (self.done, self.failed, self.pending, self.trials, self.failedTrials) = (done, failed, pending, trials, failedTrials)
        (self.best, self.nearOptimal, self.solved) = (best, nearOptimal, solved)
        (self.trainMetric, self.testMetric, self.wallSeconds) = (trainMetric, testMetric, wallSeconds)
    }
}

/// What a sweep finished, read back from its point folders: one row per point, one pooled row
/// per parameter setting (its seeds' trials together), and the files `collect` writes.
public struct SweepCollection: Sendable {
    public var name: String
    public var family: SweepFamily
    /// The plotted dimensions: `base` when there are several, then the design's parameters.
    public var dimensions: [String]
    public var points: [SweepRow]
    public var pooled: [SweepRow]

    /// Reads every point of `manifest` from `sweep` (states refreshed from the folders).
    public init(_ sweep: SweepFolder, manifest: SweepManifest) {
        name = manifest.name
        family = manifest.family
        points = manifest.points.map { entry in Self.row(entry.point, state: sweep.state(of: entry.point), family: manifest.family, in: sweep) }
        struct Setting: Hashable { var base: String; var parameters: [String: SweepValue] }
        var groups: [[SweepRow]] = []
        var index: [Setting: Int] = [:]
        for row in points {
            let key = Setting(base: row.base, parameters: row.parameters)
            if let i = index[key] { groups[i].append(row) } else { index[key] = groups.count; groups.append([row]) }
        }
        pooled = groups.map(SweepRow.init(pooling:))
        dimensions = (Set(points.map(\.base)).count > 1 ? ["base"] : []) + manifest.parameters
    }

    static func row(_ point: SweepPoint, state: SweepPointState, family: SweepFamily, in sweep: SweepFolder) -> SweepRow {
        var row = SweepRow(
            point: point.index, base: point.baseLabel, seeds: [point.seed], parameters: point.parameters,
            done: state == .done ? 1 : 0, failed: state == .failed ? 1 : 0, pending: state == .pending ? 1 : 0, trials: 0, failedTrials: 0)
        guard state != .pending, let data = try? Data(contentsOf: sweep.pointFolder(point.index).file("summary.json")) else { return row }
        switch family {
        case .qLearning:
            guard let s = try? JSONOutput.decode(TrainingSummary.self, from: data) else { return row }
            (row.trials, row.failedTrials) = (s.trials.count, s.failedTrials.count)
            (row.best, row.nearOptimal) = (s.bestRate, s.nearOptimalRate)
            row.wallSeconds = s.trials.map(\.wallSeconds).reduce(0, +)
        case .supervised:
            guard let s = try? JSONOutput.decode(SupervisedSummary.self, from: data) else { return row }
            (row.trials, row.failedTrials) = (s.trials.count, s.failedTrials.count)
            (row.trainMetric, row.testMetric) = (s.trainMetric, s.testMetric)
            row.solved = s.solvedCount.map { SuccessRate(successes: $0, trials: s.trials.count) }
            row.wallSeconds = s.trials.map(\.wallSeconds).reduce(0, +)
        }
        return row
    }

    /// The rates and metrics this family reports: (file stem, title, value of a row).
    var metrics: [(stem: String, title: String, rate: Bool, value: (SweepRow) -> SuccessRate?, metric: (SweepRow) -> Double?)] {
        switch family {
        case .qLearning:
            [("best-rate", "trials ending on the best policy", true, { $0.best }, { $0.best.map(\.fraction) }),
             ("near-optimal-rate", "trials within 1% of the optimum", true, { $0.nearOptimal }, { $0.nearOptimal.map(\.fraction) })]
        case .supervised:
            [("solved-rate", "trials whose training set ends solved", true, { $0.solved }, { $0.solved.map(\.fraction) }),
             ("test-metric", "test metric (mean over trials)", false, { _ in nil }, { $0.testMetric })]
        }
    }

    /// Writes `table.csv` (points), `pooled.csv`, `table.json` (both) and the plots into `sweep`.
    public func write(to sweep: SweepFolder) throws {
        try AtomicFile.write(try JSONOutput.encode(["points": points, "pooled": pooled]), to: sweep.file("table.json"))
        try AtomicFile.write(csv(points).text, to: sweep.file("table.csv"))
        try AtomicFile.write(csv(pooled).text, to: sweep.file("pooled.csv"))
        for (name, svg) in plots() { try AtomicFile.write(svg, to: sweep.file("plots/\(name).svg")) }
    }

    func csv(_ rows: [SweepRow]) -> CSVTable {
        let parameters = dimensions.filter { $0 != "base" }
        func rate(_ name: String) -> [String] { ["\(name)_count", "\(name)_rate", "\(name)_low", "\(name)_high"] }
        let results = family == .qLearning ? rate("best") + rate("near_optimal") : ["train_metric", "test_metric"] + rate("solved")
        var table = CSVTable(header: ["point", "base", "seeds"] + parameters + ["done", "failed", "pending", "trials", "failed_trials"] + results + ["wall_s"])
        func fields(_ r: SuccessRate?) -> [String] {
            guard let r else { return ["", "", "", ""] }
            return ["\(r.successes)", "\(r.fraction)", "\(r.low)", "\(r.high)"]
        }
        func number(_ x: Double?) -> String { x.map { "\($0)" } ?? "" }
        for row in rows {
            let values = family == .qLearning ? fields(row.best) + fields(row.nearOptimal)
                : [number(row.trainMetric), number(row.testMetric)] + fields(row.solved)
            table.append([row.point.map(String.init) ?? "", row.base, row.seeds.map(String.init).joined(separator: " ")]
                + parameters.map { row.parameters[$0]?.description ?? "" }
                + [row.done, row.failed, row.pending, row.trials, row.failedTrials].map(String.init) + values + [number(row.wallSeconds)])
        }
        return table
    }
}

extension SuccessRate {
    /// Successes per trial (NaN without trials).
    public var fraction: Double { trials > 0 ? Double(successes) / Double(trials) : .nan }
}
