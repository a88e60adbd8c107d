import ArgumentParser
import CLLN
import CLLNBaselines
import CLLNReport
import CLLNRuns
import Foundation

/// The first argument of `clln baseline`: a Q-learning agent or a digital classifier.
enum BaselineChoice: String, CaseIterable, ExpressibleByArgument {
    case tabular, dqn, local, linear, mlp

    var agent: BaselineAgentKind? { BaselineAgentKind(rawValue: rawValue) }
    var classifier: ClassifierKind? { ClassifierKind(rawValue: rawValue) }
}

/// `clln baseline <agent> <task>`: a digital baseline over seeds — a Q-learning agent (tabular Q,
/// DQN, local agent) on a Q-learning task, or a classifier (logistic regression, MLP) on a
/// supervised classification task's own data and split.
struct BaselineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "baseline",
        abstract: "Train a digital baseline over seeds: a Q-learning agent (tabular, dqn, local; writes curves.csv, curve.svg) "
            + "or a classifier (linear, mlp) on a supervised task's data (writes curves.csv, accuracy.svg); summary.json for both.",
        discussion: "Q-learning tasks: \(LearningTask.names.joined(separator: ", ")). Tabular tasks report the greedy policy's exact average "
            + "reward over the optimum; cartpole and mountaincar the mean return of 100 greedy episodes (solved: ≥ 475 and ≥ −110). "
            + "Classification tasks: iris, digits, digits-hidden or a supervised config file of one; the classifier sees the task's "
            + "input voltages and its training and test sets (--set split=scikit-learn --set split_seed=0 for scikit-learn's split) "
            + "and reports the test accuracy pooled over seeds with its 95 % interval.")

    @Argument(help: "Agent: tabular, dqn or local (Q-learning tasks); linear or mlp (classification tasks).")
    var agent: BaselineChoice
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
    @Option(name: .customLong("learning-rate"), help: "Adam learning rate of the networks (classifiers: linear 0.01, mlp 0.001).")
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
    @Option(parsing: .upToNextOption, help: "Classifiers: hidden layer widths of the mlp (default 64).")
    var hidden: [Int] = []
    @Option(help: "Classifiers: training epochs (default: 200, or more for at least 8,000 Adam steps).")
    var epochs: Int?
    @Option(help: "Classifiers: minibatch size (default 32).")
    var batch: Int?
    @Option(name: .customLong("weight-decay"), help: "Classifiers: λ of the L2 penalty on the weights (default 1e-4).")
    var weightDecay: Double?
    @Option(
        name: .customLong("set"),
        help: ArgumentHelp("Classifiers: a data key of the task's config (split, split_seed, pixels, rails, …), e.g. --set split=scikit-learn.",
                           valueName: "key=value"))
    var settings: [String] = []
    @OptionGroup var runOptions: RunOptions
    @Option(help: "Output folder (default: out/baseline/<agent>-<task>).")
    var out: String?
    @Flag(help: "Print the summary as JSON on stdout.")
    var json = false

    func validate() throws {
        if agent.classifier != nil { return try validateClassifier() }
        let classifierFlags: [(String, Bool)] = [
            ("--hidden", !hidden.isEmpty), ("--epochs", epochs != nil), ("--batch", batch != nil), ("--weight-decay", weightDecay != nil),
            ("--set", !settings.isEmpty),
        ]
        if let flag = classifierFlags.first(where: \.1) {
            throw badValue("\(flag.0) is for the classifiers (linear, mlp); drop it for the Q-learning agent \(agent.rawValue)")
        }
        if SupervisedConfig.resolve(task) != nil {
            throw badValue("\(task) is a classification task; use the linear or mlp baseline on it (tabular, dqn and local are Q-learning agents)")
        }
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

    func validateClassifier() throws {
        let rlFlags: [(String, Bool)] = [
            ("--steps", steps != nil), ("--gamma", gamma != nil), ("--epsilon-start", epsilonStart != nil), ("--epsilon-end", epsilonEnd != nil),
            ("--epsilon-decay-steps", epsilonDecaySteps != nil), ("--alpha", alpha != nil), ("--train-every", trainEvery != nil),
            ("--target-update", targetUpdate != nil), ("--replay-capacity", replayCapacity != nil), ("--double-q", doubleQ),
            ("--measurements", measurements != nil),
        ]
        if let flag = rlFlags.first(where: \.1) {
            throw badValue("\(flag.0) is for the Q-learning agents; \(agent.rawValue) is a classifier (use --epochs, --learning-rate, --batch, --weight-decay)")
        }
        if LearningTask.names.contains(task) {
            throw badValue("\(task) is a Q-learning task; use the tabular, dqn or local baseline on it (linear and mlp are classifiers)")
        }
        guard SupervisedConfig.resolve(task) != nil else {
            throw badValue("unknown task \"\(task)\"; give a classification task (iris, digits, digits-hidden) or a supervised config file of one")
        }
        if !(1...InputLimits.maximumTrials).contains(seeds) { throw badValue("--seeds must be 1 to \(InputLimits.maximumTrials), e.g. --seeds 10") }
    }

    /// The classifier's settings: its defaults on `task` with the flags applied.
    func classifierSettings(_ kind: ClassifierKind, task: SupervisedTask) -> ClassifierSettings {
        var s = ClassifierSettings.defaults(kind, trainingExamples: task.train.count)
        s.hidden = hidden.isEmpty ? s.hidden : hidden
        s.epochs = epochs ?? s.epochs
        s.learningRate = learningRate ?? s.learningRate
        s.batchSize = batch ?? s.batchSize
        s.weightDecay = weightDecay ?? s.weightDecay
        return s
    }

    func runClassifier(_ kind: ClassifierKind) throws {
        guard let reference = SupervisedConfig.resolve(task) else { throw badValue("unknown task \"\(task)\"") }
        let supervised = try ClassifierTrainer.task(reference.config(), dataSettings: SupervisedConfig.parse(settings: settings))
        let trial = ClassifierBaselineTrial(classifier: kind, task: supervised, settings: classifierSettings(kind, task: supervised), seed: seed, seeds: seeds)
        let folder = URL(fileURLWithPath: out ?? "out/baseline/\(kind.rawValue)-\(reference.name)")
        let summary = try runOptions.scheduler.run(trial, on: InProcessBackend(), in: RunFolder(folder))
        if json {
            printOut(String(decoding: try JSONOutput.encode(summary), as: UTF8.self))
        } else {
            printOut("\(kind.rawValue) on \(summary.task): \(summary.data)")
            for r in summary.seeds {
                printOut(String(format: "seed %llu: test %.2f%% (%d/%d), train %.2f%%, %d epochs, %.1f s, %d parameters", r.seed, 100 * r.testAccuracy,
                                r.testCorrect, summary.testCount, 100 * r.trainAccuracy, r.epochs, r.wallSeconds, r.parameterCount))
            }
            for f in summary.failedTrials { printOut("seed \(seed &+ UInt64(f.trial)) FAILED: \(f.error)") }
            let pooled = summary.testPooled
            printOut(String(format: "pooled test accuracy %d/%d = %.2f%% (95%% interval %.1f–%.1f%%); results: %@", pooled.successes, pooled.trials,
                            100 * Double(pooled.successes) / Double(max(pooled.trials, 1)), 100 * pooled.low, 100 * pooled.high, folder.path))
        }
        if !summary.failedTrials.isEmpty { throw ExitCode(70) }
    }

    /// The task's defaults with the flags applied.
    func config(_ agent: BaselineAgentKind) -> BaselineConfig {
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
            if let kind = agent.classifier { return try runClassifier(kind) }
            guard let agent = agent.agent else { return }
            let trial = BaselineTrial(agent: agent, task: task, config: config(agent), seed: seed, seeds: seeds)
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

