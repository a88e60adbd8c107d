import CLLN
import CLLNReport
import CLLNRuns
import Foundation

/// A baseline agent on a task over several seeds, as a run of the run layer: trial k trains with
/// seed `seed + k` (trials restart on `--resume`; finished ones are kept). The report writes
/// `summary.json`, `curves.csv` (every seed's curve) and `curve.svg`.
public struct BaselineTrial: Trial {
    public static let kind = "baseline"
    public var agent: BaselineAgentKind
    public var task: String
    public var config: BaselineConfig
    public var seed: UInt64
    public var seeds: Int

    public init(agent: BaselineAgentKind, task: String, config: BaselineConfig, seed: UInt64 = 0, seeds: Int = 1) {
        self.agent = agent
        self.task = task
        self.config = config
        self.seed = seed
        self.seeds = seeds
    }

    public var name: String { "\(agent.rawValue) on \(task)" }
    public var trialCount: Int { seeds }
    public func withTrialCount(_ count: Int) -> BaselineTrial? {
        var other = self
        other.seeds = count
        return other
    }
    public var progressUnits: Int { config.steps }

    public func isResult(_ result: BaselineResult, ofTrial k: Int) -> Bool {
        result.seed == seed &+ UInt64(k) && result.agent == agent && result.task == task && result.steps == config.steps
    }

    public func validate(on backend: InProcessBackend) throws {
        guard (1...InputLimits.maximumTrials).contains(seeds) else {
            throw BaselineError.invalidConfig("seeds is \(seeds); give 1 to \(InputLimits.maximumTrials), e.g. --seeds 10")
        }
        _ = try BaselineTrainer(agent: agent, task: task, config: config)
    }

    public func run(_ k: Int, on backend: InProcessBackend, context: TrialContext<NoCheckpoint>) throws -> BaselineResult {
        try BaselineTrainer(agent: agent, task: task, config: config).run(seed: seed &+ UInt64(k)) { context.progress($0) }
    }

    public func report(_ outcome: RunOutcome<BaselineResult, InProcessBackend>, into folder: RunFolder) throws -> BaselineSummary {
        let results = outcome.results.map(\.result)
        let summary = BaselineSummary(agent: agent, task: task, config: config, seeds: results, failedTrials: outcome.failures)
        try folder.writeJSON(summary, to: "summary.json")
        var csv = CSVTable(header: ["seed", "step", "value", "training_return"])
        for r in results {
            for p in r.curve { csv.append(["\(r.seed)", "\(p.step)", "\(p.value)", p.trainingReturn.map { "\($0)" } ?? ""]) }
        }
        try folder.write(csv.text, to: "curves.csv")
        let tabular = results.first?.optimum != nil
        var chart = LineChart(
            title: "\(agent.rawValue) on \(task)", xLabel: "step",
            yLabel: tabular ? "greedy policy's average reward / optimum" : "greedy return (\(config.evaluationEpisodes) episodes)",
            series: results.map { r in LineSeries(name: "seed \(r.seed)", x: r.curve.map { Double($0.step) }, y: r.curve.map(\.value)) })
        if tabular {
            chart.horizontalLines = [ReferenceLine(value: 1, label: "optimum")]
        } else if case let .continuous(environment) = try LearningTask.named(task) {
            chart.horizontalLines = [ReferenceLine(value: environment.solvedReturn, label: "solved")]
        }
        try folder.write(chart.svg(), to: "curve.svg")
        return summary
    }
}

/// The summary of a baseline run: every seed's result, and over seeds the final level (mean and
/// range), the solved count with its 95 % Wilson interval, steps to 95 %, wall time, parameters.
public struct BaselineSummary: Codable, Sendable {
    public var agent: BaselineAgentKind
    public var task: String
    public var config: BaselineConfig
    public var seeds: [BaselineResult]
    public var failedTrials: [FailedTrial]
    public var finalLevelMean: Double
    public var finalLevelMin: Double
    public var finalLevelMax: Double
    /// Seeds that reached the optimum (tabular) or the solved threshold (continuous).
    public var solved: SuccessRate
    public var stepsTo95Mean: Double
    public var wallSecondsMean: Double
    public var parameterCount: Int

    enum CodingKeys: String, CodingKey {
        case agent, task, config, seeds, solved
        case failedTrials = "failed_trials", finalLevelMean = "final_level_mean", finalLevelMin = "final_level_min"
        case finalLevelMax = "final_level_max", stepsTo95Mean = "steps_to_95_mean", wallSecondsMean = "wall_s_mean"
        case parameterCount = "parameters"
    }

    public init(agent: BaselineAgentKind, task: String, config: BaselineConfig, seeds: [BaselineResult], failedTrials: [FailedTrial]) {
        self.agent = agent
        self.task = task
        self.config = config
        self.seeds = seeds
        self.failedTrials = failedTrials
        let levels = seeds.map(\.finalLevel)
        let count = Double(max(seeds.count, 1))
        finalLevelMean = levels.reduce(0, +) / count
        finalLevelMin = levels.min() ?? .nan
        finalLevelMax = levels.max() ?? .nan
        solved = SuccessRate(successes: seeds.filter(\.solved).count, trials: seeds.count + failedTrials.count)
        stepsTo95Mean = Double(seeds.map(\.stepsTo95).reduce(0, +)) / count
        wallSecondsMean = seeds.map(\.wallSeconds).reduce(0, +) / count
        parameterCount = seeds.first?.parameterCount ?? 0
    }
}
