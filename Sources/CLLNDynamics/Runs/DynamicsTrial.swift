import CLLNReport
import CLLNRuns
import Foundation

/// Training one dynamics task over several seeds as a run of the run layer: trial k builds the
/// task with seed `seed + k` (network, initial parameters and data) and trains it; its figures go
/// to `trials/trial-K/`. The report counts the seeds on which the task learned: the cost fell at
/// least ``DynamicsTrial/learnedReduction``-fold with positive mean alignment.
public struct DynamicsTrial: Trial {
    public static let kind = "dynamics"
    public var task: String
    public var seed: UInt64
    public var seeds: Int
    public var iterations: Int?
    public var eta: Double?
    public var learningRate: Double?
    public var rule: UpdateRule
    /// The supervisor's form (default: the task's).
    public var supervisor: Supervisor?

    /// The cost reduction from which a seed counts as learned.
    public static let learnedReduction = 10.0

    public init(task: String, seed: UInt64 = 1, seeds: Int = 1, iterations: Int? = nil, eta: Double? = nil,
                learningRate: Double? = nil, rule: UpdateRule = .local, supervisor: Supervisor? = nil) {
        self.task = task
        self.seed = seed
        self.seeds = seeds
        self.iterations = iterations
        self.eta = eta
        self.learningRate = learningRate
        self.rule = rule
        self.supervisor = supervisor
    }

    enum CodingKeys: String, CodingKey { case task, seed, seeds, iterations, eta, learningRate = "learning_rate", rule, supervisor }

    public var name: String { task }
    public var trialCount: Int { seeds }
    public func withTrialCount(_ count: Int) -> DynamicsTrial? {
        var other = self
        other.seeds = count
        return other
    }
    public var progressUnits: Int { (try? trainer(seed: seed).iterations) ?? 1 }

    /// The trainer of the task built with `seed`.
    func trainer(seed: UInt64) throws -> DynamicsTrainer {
        var definition = try DynamicsTask(name: task, seed: seed)
        if let eta { definition.nudge = eta }
        if let learningRate { definition.learningRate = learningRate }
        if let supervisor { definition.supervisor = supervisor }
        return DynamicsTrainer(task: definition, iterations: iterations, rule: rule)
    }

    public func isResult(_ result: TrainingSummary, ofTrial k: Int) -> Bool {
        result.seed == seed &+ UInt64(k) && result.task == task && result.rule == rule.rawValue
            && iterations.map { $0 == result.iterations } ?? true
            && supervisor.map { $0.rawValue == result.supervisor } ?? true
    }

    public func validate(on backend: InProcessBackend) throws {
        _ = try trainer(seed: seed)
        guard seeds >= 1 else { throw DynamicsError.invalidArgument("seeds is \(seeds); give at least 1") }
    }

    public func run(_ k: Int, on backend: InProcessBackend, context: TrialContext<NoCheckpoint>) throws -> TrainingSummary {
        let result = try trainer(seed: seed &+ UInt64(k)).train { _ in context.progress(1) }
        try result.writeReport(to: context.artifacts)
        return result.summary
    }

    /// `summary.json` (every seed's summary and the learned count with its interval) and `seeds.csv`.
    public func report(_ outcome: RunOutcome<TrainingSummary, InProcessBackend>, into folder: RunFolder) throws -> DynamicsRunSummary {
        let results = outcome.results.map(\.result)
        let learned = results.filter { $0.reductionFactor >= Self.learnedReduction && $0.alignmentMean > 0 }.count
        let summary = DynamicsRunSummary(
            task: task, rule: rule.rawValue, seeds: results, learned: SuccessRate(successes: learned, trials: seeds),
            failedTrials: outcome.failures)
        try folder.writeJSON(summary, to: "summary.json")
        var csv = CSVTable(header: ["seed", "cost_initial", "cost_final", "reduction_factor", "alignment_mean", "learned", "wall_s"])
        for r in results {
            csv.append(["\(r.seed)", "\(r.costInitial)", "\(r.costFinal)", "\(r.reductionFactor)", "\(r.alignmentMean)",
                        r.reductionFactor >= Self.learnedReduction && r.alignmentMean > 0 ? "1" : "0", "\(r.wallSeconds)"])
        }
        try folder.write(csv.text, to: "seeds.csv")
        return summary
    }
}

/// The summary of `clln dynamics train`: each seed's training summary and on how many the task
/// learned (cost ≥ 10× lower, positive mean alignment), with the 95% interval of that rate.
public struct DynamicsRunSummary: Codable, Sendable {
    public var task: String
    public var rule: String
    public var seeds: [TrainingSummary]
    public var learned: SuccessRate
    public var failedTrials: [FailedTrial]
    enum CodingKeys: String, CodingKey { case task, rule, seeds, learned, failedTrials = "failed_trials" }
}
