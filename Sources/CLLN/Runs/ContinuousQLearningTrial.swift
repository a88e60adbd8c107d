import CLLNReport
import CLLNRuns
import Foundation

/// The summary of a CLLN run on a continuous-state task: every trial's result, and over trials
/// the final greedy return (mean, range), the mean of the last 100 training episodes, and the
/// solved count with its Wilson interval (greedy return ≥ the task's solved return; and, the
/// issue's goal, training return ≥ it).
public struct ContinuousTrainingSummary: Codable, Sendable {
    public var task: String
    public var backend: String
    public var steps: Int
    public var network: String
    public var parameters: Int
    public var solvedReturn: Double
    public var config: ContinuousQLearningConfig
    public var trials: [ContinuousTrialResult]
    public var failedTrials: [FailedTrial]
    public var finalGreedyReturnMean: Double
    public var finalGreedyReturnMin: Double
    public var finalGreedyReturnMax: Double
    public var lastTrainingReturnMean: Double
    /// Trials whose final greedy return reaches the solved return.
    public var solved: SuccessRate
    /// Trials whose mean return over their last 100 training episodes reaches the solved return.
    public var solvedInTraining: SuccessRate
    public var backendInfo: [String: String]

    enum CodingKeys: String, CodingKey {
        case task, backend, steps, network, parameters, config, trials, solved
        case solvedReturn = "solved_return", failedTrials = "failed_trials", finalGreedyReturnMean = "final_greedy_return_mean"
        case finalGreedyReturnMin = "final_greedy_return_min", finalGreedyReturnMax = "final_greedy_return_max"
        case lastTrainingReturnMean = "last_100_training_return_mean", solvedInTraining = "solved_in_training"
        case backendInfo = "backend_info"
    }
}

/// CLLN Q-learning on a continuous-state task (``ContinuousQLearningTrainer``) as a run of the run
/// layer: trial k trains from (seed, k); trials restart on `--resume` (finished ones are kept).
/// The report writes `summary.json`, `curves.csv` and `curve.svg`.
public struct ContinuousQLearningTrial: Trial {
    public static let kind = "continuous-q-learning"
    /// A name of ``LearningTask`` with a continuous state.
    public var task: String
    public var config: ContinuousQLearningConfig
    public var seed: UInt64
    public var trials: Int

    public init(task: String, config: ContinuousQLearningConfig, seed: UInt64 = 0, trials: Int = 10) {
        self.task = task
        self.config = config
        self.seed = seed
        self.trials = trials
    }

    public var name: String { "clln on \(task)" }
    public var trialCount: Int { trials }
    public func withTrialCount(_ count: Int) -> ContinuousQLearningTrial? {
        var other = self
        other.trials = count
        return other
    }
    public var progressUnits: Int { config.steps }

    /// The continuous task called `task`; a tabular or unknown name is a ``LearningError/invalidTask(_:)``.
    public func environment() throws -> any ContinuousEnvironment {
        guard case let .continuous(environment) = try LearningTask.named(task) else {
            throw LearningError.invalidTask("\(task) is a tabular task; the continuous-state trainer takes cartpole or mountaincar")
        }
        return environment
    }

    public func isResult(_ result: ContinuousTrialResult, ofTrial k: Int) -> Bool {
        result.seed == seed && result.trial == k && result.steps == config.steps
            && result.finalGates.count == (try? config.network(for: environment()).edgeCount)
    }

    public func validate(on backend: SolverBackend) throws {
        guard (1...InputLimits.maximumTrials).contains(trials) else {
            throw LearningError.invalidHyperparameter("trials must be 1...\(InputLimits.maximumTrials) (got \(trials)), e.g. --trials 10")
        }
        try config.validate(for: environment())
        try environment().validate()
    }

    public func run(_ k: Int, on backend: SolverBackend, context: TrialContext<NoCheckpoint>) throws -> ContinuousTrialResult {
        let environment = try environment()
        let devices = try backend.trialDevices(for: config.network(for: environment))
        let trainer = try ContinuousQLearningTrainer(
            environment: environment, config: config, solver: devices.solver, clampedSolver: devices.clampedSolver, readNoise: devices.readNoise)
        return try trainer.run(trial: k, seed: seed, progress: context.progress)
    }

    public func report(_ outcome: RunOutcome<ContinuousTrialResult, SolverBackend>, into folder: RunFolder) throws -> ContinuousTrainingSummary {
        let environment = try environment()
        let network = config.network(for: environment)
        let results = outcome.results.map(\.result)
        let finals = results.map(\.finalGreedyReturn), training = results.compactMap(\.lastTrainingReturn)
        let attempted = results.count + outcome.failures.count
        let summary = ContinuousTrainingSummary(
            task: task, backend: outcome.backend.kind.rawValue, steps: config.steps, network: network.name, parameters: network.edgeCount,
            solvedReturn: environment.solvedReturn, config: config, trials: results, failedTrials: outcome.failures,
            finalGreedyReturnMean: finals.reduce(0, +) / Double(max(finals.count, 1)), finalGreedyReturnMin: finals.min() ?? .nan,
            finalGreedyReturnMax: finals.max() ?? .nan, lastTrainingReturnMean: training.reduce(0, +) / Double(max(training.count, 1)),
            solved: SuccessRate(successes: results.filter(\.solved).count, trials: attempted),
            solvedInTraining: SuccessRate(
                successes: results.filter { ($0.lastTrainingReturn ?? -.infinity) >= environment.solvedReturn }.count, trials: attempted),
            backendInfo: outcome.backendInfo)
        try folder.writeJSON(summary, to: "summary.json")
        var csv = CSVTable(header: ["trial", "step", "greedy_return", "training_return"])
        for r in results {
            for p in r.curve { csv.append(["\(r.trial)", "\(p.step)", "\(p.greedyReturn)", p.trainingReturn.map { "\($0)" } ?? ""]) }
        }
        try folder.write(csv.text, to: "curves.csv")
        var chart = LineChart(
            title: "CLLN (\(network.name)) on \(task)", xLabel: "step", yLabel: "greedy return (\(config.evaluationEpisodes) episodes)",
            series: results.map { r in LineSeries(name: "trial \(r.trial)", x: r.curve.map { Double($0.step) }, y: r.curve.map(\.greedyReturn)) })
        chart.horizontalLines = [ReferenceLine(value: environment.solvedReturn, label: "solved")]
        try folder.write(chart.svg(), to: "curve.svg")
        return summary
    }
}
