import ArgumentParser
import CLLN
import CLLNBaselines
import CLLNReport
import CLLNRuns
import Foundation

/// `clln baseline <agent> <task>`: a digital baseline (tabular Q, DQN, local agent) over seeds.
struct BaselineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "baseline",
        abstract: "Train a digital baseline (tabular, dqn, local) on a task over seeds; write summary.json, curves.csv, curve.svg.",
        discussion: "Tasks: \(LearningTask.names.joined(separator: ", ")). Tabular tasks report the greedy policy's exact average "
            + "reward over the optimum; cartpole and mountaincar the mean return of 100 greedy episodes (solved: ≥ 475 and ≥ −110).")

    @Argument(help: "Agent: tabular, dqn or local.")
    var agent: BaselineAgentKind
    @Argument(help: "Task name.")
    var task: String
    @Option(help: "Training steps (default: the task's; the ε decay scales with it).")
    var steps: Int?
    @Option(help: "Number of seeds (trials), from --seed on.")
    var seeds = 1
    @Option(help: "Seed of the first trial (trial k uses seed + k).")
    var seed: UInt64 = 0
    @Option(help: "Discount γ (default: the task's).")
    var gamma: Double?
    @Option(name: .customLong("epsilon-start"), help: "ε at step 0 (default: the task's).")
    var epsilonStart: Double?
    @Option(name: .customLong("epsilon-end"), help: "ε after the decay (default: the task's).")
    var epsilonEnd: Double?
    @Option(name: .customLong("epsilon-decay-steps"), help: "Steps over which ε falls linearly (default: the task's share of --steps).")
    var epsilonDecaySteps: Int?
    @Option(help: "Step size α of tabular Q-learning.")
    var alpha: Double?
    @Option(name: .customLong("learning-rate"), help: "Adam learning rate of the networks.")
    var learningRate: Double?
    @Option(name: .customLong("train-every"), help: "Networks: a gradient step every this many steps.")
    var trainEvery: Int?
    @Option(name: .customLong("target-update"), help: "Networks: steps between target-network copies.")
    var targetUpdate: Int?
    @Option(name: .customLong("replay-capacity"), help: "Networks: transitions the replay buffer keeps (the oldest are overwritten).")
    var replayCapacity: Int?
    @Flag(name: .customLong("double-q"), help: "DQN: Double DQN's target (the online network picks the next action, the target network values it).")
    var doubleQ = false
    @Option(help: "Points of the learning curve.")
    var measurements: Int?
    @OptionGroup var runOptions: RunOptions
    @Option(help: "Output folder (default: out/baseline/<agent>-<task>).")
    var out: String?
    @Flag(help: "Print the summary as JSON on stdout.")
    var json = false

    func validate() throws {
        guard LearningTask.names.contains(task) else {
            throw badValue("unknown task \"\(task)\"; use one of \(LearningTask.names.joined(separator: ", "))")
        }
        if agent == .tabular, task == "cartpole" || task == "mountaincar" {
            throw badValue("tabular Q-learning needs a tabular task; use dqn or local on \(task)")
        }
        if let steps, !(1...InputLimits.maximumSteps).contains(steps) { throw badValue("--steps must be 1 to \(InputLimits.maximumSteps), e.g. --steps 50000") }
        if !(1...InputLimits.maximumTrials).contains(seeds) { throw badValue("--seeds must be 1 to \(InputLimits.maximumTrials), e.g. --seeds 10") }
        if let gamma, !(gamma >= 0 && gamma < 1) { throw badValue("--gamma must be in [0, 1), e.g. --gamma 0.99") }
        for (flag, value) in [("--epsilon-start", epsilonStart), ("--epsilon-end", epsilonEnd)] {
            if let value, !(0...1).contains(value) { throw badValue("\(flag) must be a probability in [0, 1], e.g. \(flag) 0.1") }
        }
        if let epsilonDecaySteps, epsilonDecaySteps < 0 { throw badValue("--epsilon-decay-steps must be ≥ 0, e.g. --epsilon-decay-steps 20000") }
        if let alpha, !(alpha > 0 && alpha <= 1) { throw badValue("--alpha must be in (0, 1], e.g. --alpha 0.1") }
        if let learningRate, !(learningRate > 0 && learningRate < 1) { throw badValue("--learning-rate must be in (0, 1), e.g. --learning-rate 0.001") }
        if let trainEvery, trainEvery < 1 { throw badValue("--train-every must be ≥ 1, e.g. --train-every 4") }
        if let targetUpdate, targetUpdate < 1 { throw badValue("--target-update must be ≥ 1, e.g. --target-update 500") }
        if let replayCapacity, !(1...10_000_000).contains(replayCapacity) {
            throw badValue("--replay-capacity must be 1 to 10000000, e.g. --replay-capacity 50000")
        }
        if let measurements, !(1...InputLimits.maximumMeasurements).contains(measurements) {
            throw badValue("--measurements must be 1 to \(InputLimits.maximumMeasurements), e.g. --measurements 50")
        }
    }

    /// The task's defaults with the flags applied.
    func config() -> BaselineConfig {
        var c = BaselineConfig.defaults(agent: agent, task: task)
        if let steps {
            c.epsilonDecaySteps = Int((Double(c.epsilonDecaySteps) * Double(steps) / Double(c.steps)).rounded())
            c.steps = steps
        }
        c.gamma = gamma ?? c.gamma
        c.epsilonStart = epsilonStart ?? c.epsilonStart
        c.epsilonEnd = epsilonEnd ?? c.epsilonEnd
        c.epsilonDecaySteps = epsilonDecaySteps ?? c.epsilonDecaySteps
        c.alpha = alpha ?? c.alpha
        c.network.learningRate = learningRate ?? c.network.learningRate
        c.network.trainEvery = trainEvery ?? c.network.trainEvery
        c.network.targetUpdate = targetUpdate ?? c.network.targetUpdate
        c.network.replayCapacity = replayCapacity ?? c.network.replayCapacity
        c.network.doubleQ = c.network.doubleQ || doubleQ
        c.measurements = measurements ?? c.measurements
        return c
    }

    func run() throws {
        try Exit.run {
            let trial = BaselineTrial(agent: agent, task: task, config: config(), seed: seed, seeds: seeds)
            let folder = URL(fileURLWithPath: out ?? "out/baseline/\(agent.rawValue)-\(task)")
            let summary = try runOptions.scheduler.run(trial, on: InProcessBackend(), in: RunFolder(folder))
            if json {
                printOut(String(decoding: try JSONOutput.encode(summary), as: UTF8.self))
            } else {
                for r in summary.seeds {
                    let level = r.optimum != nil ? String(format: "ratio to optimum %.4f", r.finalLevel) : String(format: "greedy return %.1f", r.finalLevel)
                    printOut(String(format: "%@ on %@ seed %llu: %@%@, 95%% of final at step %d, %.1f s, %d parameters",
                                    agent.rawValue, task, r.seed, level, r.solved ? (r.optimum != nil ? " (optimal)" : " (solved)") : "",
                                    r.stepsTo95, r.wallSeconds, r.parameterCount))
                }
                for f in summary.failedTrials { printOut("seed \(seed &+ UInt64(f.trial)) FAILED: \(f.error)") }
                printOut(String(format: "final level %.4g (%.4g–%.4g); %@ seeds %@; results: %@", summary.finalLevelMean, summary.finalLevelMin,
                                summary.finalLevelMax, summary.solved.description, summary.seeds.first?.optimum != nil ? "optimal" : "solved", folder.path))
            }
            if !summary.failedTrials.isEmpty { throw ExitCode(70) }
        }
    }
}

extension BaselineAgentKind: ExpressibleByArgument {}
