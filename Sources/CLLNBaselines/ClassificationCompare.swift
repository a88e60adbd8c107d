import CLLN
import CLLNReport
import CLLNRuns
import Foundation

/// The agents `clln compare` runs on a classification task: the CLLN (coupled learning on the
/// task's network) and the digital classifiers on the same examples.
public enum ClassificationAgent: String, Sendable, Codable, Hashable, CaseIterable {
    case clln
    case linear
    case mlp

    /// The digital classifier behind this agent, nil for the CLLN.
    public var classifier: ClassifierKind? { ClassifierKind(rawValue: rawValue) }
}

/// One agent of a classification comparison: its test accuracy over seeds, pooled (every test
/// example of every finished seed) with its 95 % Wilson interval, and per seed.
public struct ClassificationCompareRow: Sendable, Codable, Hashable {
    public var agent: ClassificationAgent
    public var seeds: Int
    public var failed: Int
    public var testPooled: SuccessRate
    public var testAccuracyMean: Double
    public var testAccuracyMin: Double
    public var testAccuracyMax: Double
    public var trainAccuracyMean: Double
    /// Mean wall seconds of one seed's training and evaluations.
    public var wallSecondsMean: Double
    /// Learned parameters: the CLLN's gates (one per edge), the classifier's weights and biases.
    public var parameters: Int

    enum CodingKeys: String, CodingKey {
        case agent, seeds, failed, parameters
        case testPooled = "test_pooled", testAccuracyMean = "test_accuracy_mean", testAccuracyMin = "test_accuracy_min"
        case testAccuracyMax = "test_accuracy_max", trainAccuracyMean = "train_accuracy_mean", wallSecondsMean = "wall_s_mean"
    }

    init(agent: ClassificationAgent, test: [Double], train: [Double], pooled: SuccessRate, failed: Int, wall: [Double], parameters: Int) {
        self.agent = agent
        seeds = test.count
        self.failed = failed
        testPooled = pooled
        let count = Double(max(test.count, 1))
        testAccuracyMean = test.reduce(0, +) / count
        testAccuracyMin = test.min() ?? .nan
        testAccuracyMax = test.max() ?? .nan
        trainAccuracyMean = train.reduce(0, +) / count
        wallSecondsMean = wall.reduce(0, +) / count
        self.parameters = parameters
    }

    /// The CLLN's row from its supervised run.
    public init(clln s: SupervisedSummary) {
        self.init(
            agent: .clln, test: s.trials.map(\.testMetric), train: s.trials.map(\.trainMetric),
            pooled: s.testPooled ?? SuccessRate(successes: 0, trials: 0), failed: s.failedTrials.count,
            wall: s.trials.map(\.wallSeconds), parameters: s.edges)
    }

    /// A digital classifier's row from its baseline run.
    public init(agent: ClassificationAgent, classifier s: ClassifierBaselineSummary) {
        self.init(
            agent: agent, test: s.seeds.map(\.testAccuracy), train: s.seeds.map(\.trainAccuracy), pooled: s.testPooled,
            failed: s.failedTrials.count, wall: s.seeds.map(\.wallSeconds), parameters: s.parameterCount)
    }
}

/// What `clln compare` writes and prints for a classification task: its data (inputs, classes,
/// split), the seeds, the CLLN's backend, and one row per agent.
public struct ClassificationCompareSummary: Sendable, Codable, Hashable, ComparisonReport {
    public var task: String
    public var data: String
    public var seeds: Int
    public var seed: UInt64
    public var cllnBackend: String
    public var rows: [ClassificationCompareRow]

    enum CodingKeys: String, CodingKey { case task, data, seeds, seed, rows, cllnBackend = "clln_backend" }

    public init(task: SupervisedTask, seeds: Int, seed: UInt64, cllnBackend: String, rows: [ClassificationCompareRow]) {
        self.task = task.name
        data = ClassifierBaselineSummary.dataDescription(task)
        self.seeds = seeds
        self.seed = seed
        self.cllnBackend = cllnBackend
        self.rows = rows
    }

    /// `table.csv`: one line per agent.
    public var csv: String {
        var t = CSVTable(header: [
            "agent", "seeds", "failed", "test_correct", "test_examples", "test_pooled", "test_low_95", "test_high_95", "test_mean",
            "test_min", "test_max", "train_mean", "wall_s_mean", "parameters",
        ])
        for r in rows {
            let p = r.testPooled
            t.append([
                r.agent.rawValue, "\(r.seeds)", "\(r.failed)", "\(p.successes)", "\(p.trials)", "\(Double(p.successes) / Double(max(p.trials, 1)))",
                "\(p.low)", "\(p.high)", "\(r.testAccuracyMean)", "\(r.testAccuracyMin)", "\(r.testAccuracyMax)", "\(r.trainAccuracyMean)",
                "\(r.wallSecondsMean)", "\(r.parameters)",
            ])
        }
        return t.text
    }

    /// Pooled test accuracy per agent with the ends of its 95 % interval beside it.
    public var chart: BarChart {
        BarChart(
            title: "\(task): pooled test accuracy over \(seeds) seeds", yLabel: "test accuracy", categories: rows.map(\.agent.rawValue),
            groups: [
                BarGroup(name: "95 % low", values: rows.map(\.testPooled.low)),
                BarGroup(name: "pooled", values: rows.map { Double($0.testPooled.successes) / Double(max($0.testPooled.trials, 1)) }),
                BarGroup(name: "95 % high", values: rows.map(\.testPooled.high)),
            ])
    }

    /// The table as aligned text lines for the terminal.
    public var text: String {
        var lines = ["\(task): \(data); \(seeds) seeds from \(seed); CLLN on \(cllnBackend)"]
        lines.append("agent    test pooled (95% interval)          mean (min–max)             train    wall s   parameters")
        for r in rows {
            let p = r.testPooled
            let pooled = String(format: "%d/%d = %.2f%% (%.1f–%.1f%%)", p.successes, p.trials,
                                100 * Double(p.successes) / Double(max(p.trials, 1)), 100 * p.low, 100 * p.high)
            let spread = String(format: "%.2f%% (%.2f–%.2f%%)", 100 * r.testAccuracyMean, 100 * r.testAccuracyMin, 100 * r.testAccuracyMax)
            lines.append(
                r.agent.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0) + pooled.padding(toLength: 36, withPad: " ", startingAt: 0)
                    + spread.padding(toLength: 27, withPad: " ", startingAt: 0)
                    + String(format: "%-8.2f %-8.1f %d", 100 * r.trainAccuracyMean, r.wallSecondsMean, r.parameters)
                    + (r.failed > 0 ? "  (\(r.failed) failed)" : ""))
        }
        return lines.joined(separator: "\n")
    }

    public var chartFile: String { "accuracy.svg" }
    public var chartSVG: String { chart.svg() }
}
