import CLLN
import CLLNReport
import CLLNRuns
import Foundation

/// The agents `clln compare` can run.
public enum CompareAgent: String, Sendable, Codable, Hashable, CaseIterable {
    /// CLLN Q-learning, per-action readout (``QLearningTrial`` / ``ContinuousQLearningTrial``).
    case clln
    /// CLLN Q-learning with the ARQ readout (tabular tasks only: ``Readout/arq``).
    case cllnARQ = "clln-arq"
    case tabular
    case dqn
    case local

    /// The digital baseline behind this agent, nil for the CLLN agents.
    public var baseline: BaselineAgentKind? { BaselineAgentKind(rawValue: rawValue) }

    /// Whether the agent runs on `task`: every agent on tabular tasks; clln, dqn and local on continuous ones.
    public func runs(on task: LearningTask) -> Bool {
        if case .continuous = task { return self == .clln || self == .dqn || self == .local }
        return true
    }

    /// The default agents on `task`: every one that runs on it.
    public static func defaults(on task: LearningTask) -> [CompareAgent] { allCases.filter { $0.runs(on: task) } }
}

/// The steps and ε schedule every agent of a comparison shares: ε falls linearly from
/// `epsilonStart` at step 0 to `epsilonEnd` at `epsilonDecaySteps`, then stays.
public struct CompareSchedule: Sendable, Codable, Hashable {
    public var steps: Int
    public var epsilonStart: Double
    public var epsilonEnd: Double
    public var epsilonDecaySteps: Int

    enum CodingKeys: String, CodingKey {
        case steps, epsilonStart = "epsilon_start", epsilonEnd = "epsilon_end", epsilonDecaySteps = "epsilon_decay_steps"
    }

    /// The CLLN agent's schedule on `task` (tabular: the preset's steps and ε over all steps;
    /// continuous: ``ContinuousQLearningConfig/defaults(for:)``), with `steps` when given (the
    /// decay keeps its share of the steps).
    public static func defaults(task: String, steps: Int? = nil) throws -> CompareSchedule {
        var s: CompareSchedule
        switch try LearningTask.named(task) {
        case .tabular:
            guard let e = ExperimentPresets.named(task) else { throw LearningError.invalidTask("no CLLN preset for \(task)") }
            s = CompareSchedule(steps: e.config.steps, epsilonStart: e.config.epsilonStart, epsilonEnd: e.config.epsilonEnd, epsilonDecaySteps: e.config.steps)
        case let .continuous(environment):
            let c = ContinuousQLearningConfig.defaults(for: environment)
            s = CompareSchedule(steps: c.steps, epsilonStart: c.epsilonStart, epsilonEnd: c.epsilonEnd, epsilonDecaySteps: c.epsilonDecaySteps)
        }
        if let steps {
            s.epsilonDecaySteps = Int((Double(s.epsilonDecaySteps) * Double(steps) / Double(s.steps)).rounded())
            s.steps = steps
        }
        return s
    }

    /// `config` on this schedule (a baseline's).
    public func apply(to config: BaselineConfig) -> BaselineConfig {
        var c = config
        (c.steps, c.epsilonStart, c.epsilonEnd, c.epsilonDecaySteps) = (steps, epsilonStart, epsilonEnd, epsilonDecaySteps)
        return c
    }

    /// A CLLN tabular experiment on this schedule: ε of ``QLearningConfig`` always falls over every
    /// step, so a tabular schedule's decay must span its steps (``CompareError``).
    public func apply(to experiment: QLearningExperiment) throws -> QLearningExperiment {
        guard epsilonDecaySteps == steps else {
            throw CompareError.invalid("a CLLN tabular agent's ε falls over all its steps; the schedule decays over \(epsilonDecaySteps) of \(steps)")
        }
        var e = experiment
        (e.config.steps, e.config.epsilonStart, e.config.epsilonEnd) = (steps, epsilonStart, epsilonEnd)
        return e
    }

    /// A continuous CLLN config on this schedule.
    public func apply(to config: ContinuousQLearningConfig) -> ContinuousQLearningConfig {
        var c = config
        (c.steps, c.epsilonStart, c.epsilonEnd, c.epsilonDecaySteps) = (steps, epsilonStart, epsilonEnd, epsilonDecaySteps)
        return c
    }
}

/// Bad input to a comparison.
public enum CompareError: InputError, Equatable {
    case invalid(String)
    public var description: String {
        switch self {
        case let .invalid(why): "invalid comparison: \(why)"
        }
    }
}

/// One agent's row of the comparison table, over its seeds.
public struct CompareRow: Sendable, Codable, Hashable {
    public var agent: CompareAgent
    public var seeds: Int
    public var failed: Int
    /// "ratio to optimum" (tabular: the final greedy policy's exact average reward over the
    /// optimum) or "greedy return" (continuous: mean return of 100 greedy episodes).
    public var measure: String
    public var finalMean: Double
    public var finalMin: Double
    public var finalMax: Double
    /// Seeds reaching the optimum (tabular, within 1e-9 relative) or the solved return
    /// (continuous), with the 95 % Wilson interval of the per-seed rate (failed seeds count as misses).
    public var success: SuccessRate
    /// Mean over seeds of the first curve step reaching 95 % of the way from the curve's first
    /// point to the seed's final level (0 when the final level is not above the first point).
    public var stepsTo95Mean: Double
    public var wallSecondsMean: Double
    /// Learnable parameters: the CLLN's gates, the networks' weights and biases, the Q table.
    public var parameters: Int
    /// Mean over seeds of the curve, point by point (steps of the first seed's curve).
    public var curveSteps: [Int]
    public var curveMean: [Double]

    enum CodingKeys: String, CodingKey {
        case agent, seeds, failed, measure, success, parameters
        case finalMean = "final_mean", finalMin = "final_min", finalMax = "final_max", stepsTo95Mean = "steps_to_95_mean"
        case wallSecondsMean = "wall_s_mean", curveSteps = "curve_steps", curveMean = "curve_mean"
    }

    /// One seed as the table sees it: its curve (step, value) ending at its final level.
    public struct Seed: Sendable {
        public var curve: [(step: Int, value: Double)]
        public var final: Double
        public var success: Bool
        public var wallSeconds: Double
        public init(curve: [(step: Int, value: Double)], final: Double, success: Bool, wallSeconds: Double) {
            self.curve = curve
            self.final = final
            self.success = success
            self.wallSeconds = wallSeconds
        }
    }

    public init(agent: CompareAgent, measure: String, seeds: [Seed], failed: Int, parameters: Int) {
        self.agent = agent
        self.measure = measure
        self.seeds = seeds.count
        self.failed = failed
        self.parameters = parameters
        let n = Double(max(seeds.count, 1))
        let finals = seeds.map(\.final)
        finalMean = finals.reduce(0, +) / n
        finalMin = finals.min() ?? .nan
        finalMax = finals.max() ?? .nan
        success = SuccessRate(successes: seeds.filter(\.success).count, trials: seeds.count + failed)
        stepsTo95Mean = seeds.map { Double(Self.stepsTo95($0.curve, final: $0.final)) }.reduce(0, +) / n
        wallSecondsMean = seeds.map(\.wallSeconds).reduce(0, +) / n
        curveSteps = seeds.first?.curve.map(\.step) ?? []
        curveMean = curveSteps.indices.map { i in
            let values = seeds.compactMap { $0.curve.count > i ? $0.curve[i].value : nil }
            return values.reduce(0, +) / Double(max(values.count, 1))
        }
    }

    /// The first step whose value reaches `first + 0.95·(final − first)`; 0 when `final` is not
    /// above the first point (the same rule as ``BaselineResult/stepsTo95``).
    public static func stepsTo95(_ curve: [(step: Int, value: Double)], final: Double) -> Int {
        guard let first = curve.first?.value, final > first else { return 0 }
        let level = first + 0.95 * (final - first)
        return curve.first { $0.value >= level }?.step ?? curve.last!.step
    }

    /// The row of a baseline run.
    public init(agent: CompareAgent, baseline s: BaselineSummary) {
        let tabular = s.seeds.first?.optimum != nil
        self.init(
            agent: agent, measure: tabular ? "ratio to optimum" : "greedy return",
            seeds: s.seeds.map { r in
                Seed(curve: r.curve.map { ($0.step, $0.value) }, final: r.finalLevel, success: r.solved, wallSeconds: r.wallSeconds)
            },
            failed: s.failedTrials.count, parameters: s.parameterCount)
    }

    /// The row of a CLLN tabular run: its trials' curves (greedy policy's exact reward over the
    /// optimum at each measurement, then the final policy at the last step).
    public init(agent: CompareAgent, training s: TrainingSummary, results: [TrialResult], parameters: Int) {
        self.init(
            agent: agent, measure: "ratio to optimum",
            seeds: results.map { r in
                Seed(curve: r.curve.map { ($0.step, $0.policyReward / s.optimum) } + [(s.steps, r.reward / s.optimum)],
                     final: r.reward / s.optimum, success: r.reward >= s.optimum - 1e-9 * abs(s.optimum), wallSeconds: r.wallSeconds)
            },
            failed: s.failedTrials.count, parameters: parameters)
    }

    /// The row of a CLLN continuous run.
    public init(agent: CompareAgent, continuous s: ContinuousTrainingSummary) {
        self.init(
            agent: agent, measure: "greedy return",
            seeds: s.trials.map { r in
                Seed(curve: r.curve.map { ($0.step, $0.greedyReturn) }, final: r.finalGreedyReturn, success: r.solved, wallSeconds: r.wallSeconds)
            },
            failed: s.failedTrials.count, parameters: s.parameters)
    }
}

/// What `clln compare` writes and prints: the task, the shared schedule, the backend of the
/// CLLN agents, and one row per agent.
public struct CompareSummary: Sendable, Codable, Hashable, ComparisonReport {
    public var task: String
    public var seeds: Int
    public var seed: UInt64
    public var schedule: CompareSchedule
    public var cllnBackend: String
    /// Optimum of a tabular task (the ratio's denominator), the solved return of a continuous one.
    public var reference: Double
    public var rows: [CompareRow]

    enum CodingKeys: String, CodingKey {
        case task, seeds, seed, schedule, rows, reference, cllnBackend = "clln_backend"
    }

    public init(task: String, seeds: Int, seed: UInt64, schedule: CompareSchedule, cllnBackend: String, reference: Double, rows: [CompareRow]) {
        self.task = task
        self.seeds = seeds
        self.seed = seed
        self.schedule = schedule
        self.cllnBackend = cllnBackend
        self.reference = reference
        self.rows = rows
    }

    /// `table.csv`: one line per agent.
    public var csv: String {
        var t = CSVTable(header: [
            "agent", "measure", "seeds", "failed", "final_mean", "final_min", "final_max", "successes", "success_low_95", "success_high_95",
            "steps_to_95_mean", "wall_s_mean", "parameters",
        ])
        for r in rows {
            t.append([
                r.agent.rawValue, r.measure, "\(r.seeds)", "\(r.failed)", "\(r.finalMean)", "\(r.finalMin)", "\(r.finalMax)",
                "\(r.success.successes)", "\(r.success.low)", "\(r.success.high)", "\(r.stepsTo95Mean)", "\(r.wallSecondsMean)", "\(r.parameters)",
            ])
        }
        return t.text
    }

    /// Every agent's mean learning curve in one chart, with the optimum (ratio 1) or the solved return.
    public var chart: LineChart {
        let tabular = rows.first?.measure == "ratio to optimum"
        var chart = LineChart(
            title: "\(task): mean over \(seeds) seeds", xLabel: "training step",
            yLabel: tabular ? "greedy policy's average reward / optimum" : "greedy return",
            series: rows.map { LineSeries(name: $0.agent.rawValue, x: $0.curveSteps.map(Double.init), y: $0.curveMean) })
        chart.horizontalLines = [ReferenceLine(value: tabular ? 1 : reference, label: tabular ? "optimum" : "solved")]
        return chart
    }

    /// The table as aligned text lines for the terminal.
    public var text: String {
        var lines = ["\(task): \(seeds) seeds from \(seed), \(schedule.steps) steps, ε \(schedule.epsilonStart) → \(schedule.epsilonEnd) over \(schedule.epsilonDecaySteps) steps; CLLN on \(cllnBackend)"]
        lines.append("agent      final (min–max)              optimal/solved (95% interval)   steps to 95%   wall s   parameters")
        for r in rows {
            let final = String(format: "%.4g (%.4g–%.4g)", r.finalMean, r.finalMin, r.finalMax)
            let rate = "\(r.success.successes)/\(r.success.trials) (" + String(format: "%.0f–%.0f%%)", 100 * r.success.low, 100 * r.success.high)
            lines.append(
                r.agent.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0) + final.padding(toLength: 29, withPad: " ", startingAt: 0)
                    + rate.padding(toLength: 32, withPad: " ", startingAt: 0) + String(format: "%-14.0f %-8.1f %d", r.stepsTo95Mean, r.wallSecondsMean, r.parameters)
                    + (r.failed > 0 ? "  (\(r.failed) failed)" : ""))
        }
        return lines.joined(separator: "\n")
    }

    public var chartFile: String { "curves.svg" }
    public var chartSVG: String { chart.svg() }
}

/// What `clln compare` writes into its folder: `table.csv`, `table.json` and one chart.
public protocol ComparisonReport: Encodable {
    /// One line per agent.
    var csv: String { get }
    var chartFile: String { get }
    var chartSVG: String { get }
}

extension ComparisonReport {
    /// Writes `table.csv`, `table.json` and the chart into `folder`, each atomically.
    public func write(to folder: URL) throws {
        try AtomicFile.write(csv, to: folder.appendingPathComponent("table.csv"))
        try AtomicFile.write(try JSONOutput.encode(self), to: folder.appendingPathComponent("table.json"))
        try AtomicFile.write(chartSVG, to: folder.appendingPathComponent(chartFile))
    }
}
