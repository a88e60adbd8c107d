import ArgumentParser
import CLLN
import CLLNRuns
import CLLNReport
import Foundation

extension ExperimentPresets.Rule: ExpressibleByArgument {}
extension Readout: ExpressibleByArgument {}
extension ActionConditioning.Code: ExpressibleByArgument {}
extension ActionConditioning.Wiring: ExpressibleByArgument {}
extension ContinuousEncoding: ExpressibleByArgument {}
extension QTarget: ExpressibleByArgument {}

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a CLLN: Q-learning (four-state, navigation, grid-5x5, grid-7x7[-slip], cartpole, mountaincar), a supervised task (xor, regression, iris, digits, digits-hidden, lattice-teacher), or a YAML/JSON config of either.")

    @Argument(help: "A Q-learning preset (four-state, navigation, grid-5x5, grid-7x7, grid-5x5-slip, grid-7x7-slip, cartpole, mountaincar), a supervised task (xor, regression, iris, digits, digits-hidden, lattice-teacher), or a config file.")
    var experiment: String

    @OptionGroup var backendOptions: BackendOptions

    @Flag(help: "Train the same trials on the idealized and the SPICE backend (into ideal/ and spice/) and compare them.")
    var compareBackends = false

    @OptionGroup var runOptions: RunOptions

    @OptionGroup var supervised: SupervisedTrainOptions

    @Option(help: "Number of trials (default: the preset's 10).")
    var trials: Int?

    @Option(help: "Base seed; trial k draws from (seed, k).")
    var seed: UInt64 = 0

    @Option(help: "Training steps T.")
    var steps: Int?

    @Option(help: "Output folder (default out/train/<name>).")
    var out: String?

    @Flag(help: "Print the JSON summary.")
    var json = false

    @Flag(help: "Reproduce the reference code's measurement quirk (spec §3) instead of the faithful algorithm.")
    var referenceQuirk = false

    @Option(help: "Learning rate α.") var alpha: Double?
    @Option(help: "Nudge η.") var eta: Double?
    @Option(help: "Discount γ.") var gamma: Double?
    @Option(help: "Batch size B.") var batch: Int?
    @Option(help: "Per-edge update clip DGC.") var clip: Double?
    @Option(help: "Exploration ε at step 0.") var epsilonStart: Double?
    @Option(help: "Exploration ε at step T.") var epsilonEnd: Double?
    @Option(help: "p in each step's update weight (1/states)^p: 1 as the reference code (the presets), 0 for α as written.")
    var stateWeightExponent: Double?
    @Option(help: "Learning-rule variant: faithful (the reference's settings) or balanced (one setting for both presets; README). Options given beside it override its values.")
    var rule: ExperimentPresets.Rule = .faithful
    @Option(help: "How Q(s, a) is read: per-action (one output per action, the paper's; default), or with the candidate action coded as voltages on added input nodes (see --action-code): arq (RMS of the outputs about their mean), mean, variance.")
    var readout: Readout?
    @Option(help: "Group readouts: how the candidate action is coded on the action inputs: one-hot (default) or binary.")
    var actionCode: ActionConditioning.Code?
    @Option(help: "Group readouts: where the action inputs attach: inputs (each wired like one of the network's inputs; default) or outputs (one edge to every output).")
    var actionWiring: ActionConditioning.Wiring?
    @Option(help: "Group readouts: voltage (V) of an action input that is on (default 1).")
    var actionVoltage: Double?
    @Option(help: "Group readouts: voltage (V) of an action input that is off (default 0; −action voltage for a symmetric code).")
    var actionOffVoltage: Double?
    @Option(help: "Group readouts: g in Q = g × the readout's statistic + b (default 1).")
    var readoutGain: Double?
    @Option(help: "Group readouts: b in Q = g × the readout's statistic + b (default 0), e.g. the task's lowest reward.")
    var readoutOffset: Double?
    @Option(help: "Q-learning: the Bellman target: mean-normalized (the paper's, default for four-state and navigation) or discounted ((1 − γ)·R + γ·max Q(S′); the grid worlds' default).")
    var target: QTarget?
    @Option(help: "cartpole, mountaincar: how the state becomes input voltages: rbf (Gaussian bumps per component), rbf-joint (bumps on a joint grid, centers^d inputs) or scaled (each component and its mirror); default: the task's.")
    var encoding: ContinuousEncoding?
    @Option(help: "cartpole, mountaincar: bumps per state component of the rbf code (default 7).")
    var centers: Int?
    @Option(help: "cartpole, mountaincar: hidden layer widths, comma-separated (default: none, inputs wired to outputs).")
    var hidden: String?
    @Option(help: "cartpole, mountaincar: voltage of the rail input (default 0.5 V; 1 V with a strong --rail-gate starts Q near 1 V: optimistic).")
    var railVoltage: Double?
    @Option(help: "cartpole, mountaincar: mean initial gate of the rail's edges (default: the other edges' 1.5).")
    var railGate: Double?
    @Option(help: "cartpole, mountaincar: β of the host's count-based exploration bonus β/√N(cell, action) added to the target (default 0: none).")
    var explorationBonus: Double?
    @Option(help: "cartpole, mountaincar: cells per state component of the exploration bonus's counts (default 10).")
    var bonusCells: Int?
    @Option(help: "cartpole, mountaincar: mean initial gate of the edges other than the rail's (default 1.5).")
    var initialGate: Double?
    @Option(help: "cartpole, mountaincar: κ of advantage learning: the target loses κ·(max Q(s) − Q(s, a)), widening action gaps by 1/(1 − κ) (default 0).")
    var advantageKappa: Double?

    func validate() throws {
        if let trials, trials < 1 { throw badValue("--trials must be ≥ 1, e.g. --trials 10") }
        if let steps, steps < 1 { throw badValue("--steps must be ≥ 1, e.g. --steps 20000") }
        if compareBackends && backendOptions.backend != .ideal {
            throw ValidationError("--compare-backends trains on both backends; drop --backend")
        }
    }

    /// The backends this run trains on: one, or both with `--compare-backends`.
    func backends() throws -> [SolverBackend] {
        compareBackends ? [try backendOptions.solverBackend(kind: .ideal), try backendOptions.solverBackend(kind: .spice)]
            : [try backendOptions.solverBackend()]
    }

    func loadExperiment() throws -> QLearningExperiment {
        var e: QLearningExperiment
        if let preset = ExperimentPresets.named(experiment, rule: rule) {
            e = preset
        } else if FileManager.default.fileExists(atPath: experiment) {
            let url = URL(fileURLWithPath: experiment)
            e = try ExperimentConfigFile.load(url).experiment(
                relativeTo: url.deletingLastPathComponent(), name: url.deletingPathExtension().lastPathComponent)
            e.config = rule.apply(to: e.config)
        } else {
            throw InputFileError.unknownExperiment(experiment)
        }
        e.trials = trials ?? e.trials
        e.config.steps = steps ?? e.config.steps
        e.config.rule = e.config.rule.overriding(alpha: alpha, eta: eta, batchSize: batch, updateClip: clip)
        e.config.gamma = gamma ?? e.config.gamma
        e.config.epsilonStart = epsilonStart ?? e.config.epsilonStart
        e.config.epsilonEnd = epsilonEnd ?? e.config.epsilonEnd
        e.config.stateWeightExponent = stateWeightExponent ?? e.config.stateWeightExponent
        e.config.referenceQuirk = e.config.referenceQuirk || referenceQuirk
        if e.config.readout?.isActionConditioned == true {
            // The config file's network already carries its code's action inputs.
            let file = e.config.actionConditioning ?? .standard
            if let actionCode, actionCode != file.code {
                throw badValue("--action-code \(actionCode.rawValue) differs from the config file's action_code; drop the flag or set action_code in the file")
            }
            if let actionWiring, actionWiring != file.wiring {
                throw badValue("--action-wiring \(actionWiring.rawValue) differs from the config file's action_wiring; drop the flag or set action_wiring in the file")
            }
        }
        e.config.actionConditioning = ActionConditioning.overriding(
            e.config.actionConditioning, code: actionCode, wiring: actionWiring, onVoltage: actionVoltage, offVoltage: actionOffVoltage, gain: readoutGain,
            offset: readoutOffset)
        if let target { e.config.target = target == .meanNormalized ? nil : target }
        if let readout { e = try e.withReadout(readout) }
        try e.validate()
        return e
    }

    /// The three kinds of task `clln train` runs; each flag that is not common to all applies to
    /// some of them (``flagScopes``).
    enum TaskKind: CaseIterable {
        case qLearning, continuous, supervised

        var taskNoun: String {
            switch self {
            case .qLearning: "Q-learning task"
            case .continuous: "continuous-state task"
            case .supervised: "supervised task"
            }
        }

        var tasks: String {
            switch self {
            case .qLearning: "the tabular Q-learning presets and configs"
            case .continuous: "cartpole and mountaincar"
            case .supervised: "the supervised tasks"
            }
        }
    }

    /// Every flag that applies to some task kinds only: its name (with a hint where another flag
    /// does its job), whether it was given, and the kinds that read it. Flags not listed (trials,
    /// seed, out, json, α, η, batch, clip, backend and run options) apply to every kind.
    var flagScopes: [(flag: String, given: Bool, kinds: Set<TaskKind>)] {
        let qLearning: Set<TaskKind> = [.qLearning], continuous: Set<TaskKind> = [.continuous], supervised: Set<TaskKind> = [.supervised]
        let bothQ: Set<TaskKind> = [.qLearning, .continuous]
        let flags = self.supervised
        return [
            ("--steps", steps != nil, bothQ), ("--gamma", gamma != nil, bothQ),
            ("--epsilon-start", epsilonStart != nil, bothQ), ("--epsilon-end", epsilonEnd != nil, bothQ),
            ("--readout", readout != nil, bothQ),
            ("--compare-backends", compareBackends, [.qLearning, .supervised]),
            ("--reference-quirk", referenceQuirk, qLearning), ("--state-weight-exponent", stateWeightExponent != nil, qLearning),
            ("--rule", rule != .faithful, qLearning), ("--target", target != nil, qLearning),
            ("--action-code", actionCode != nil, qLearning), ("--action-wiring", actionWiring != nil, qLearning),
            ("--action-voltage", actionVoltage != nil, qLearning), ("--action-off-voltage", actionOffVoltage != nil, qLearning),
            ("--readout-gain", readoutGain != nil, qLearning), ("--readout-offset", readoutOffset != nil, qLearning),
            ("--encoding", encoding != nil, continuous), ("--centers", centers != nil, continuous), ("--hidden", hidden != nil, continuous),
            ("--rail-voltage", railVoltage != nil, continuous), ("--rail-gate", railGate != nil, continuous),
            ("--exploration-bonus", explorationBonus != nil, continuous), ("--bonus-cells", bonusCells != nil, continuous),
            ("--initial-gate", initialGate != nil, continuous), ("--advantage-kappa", advantageKappa != nil, continuous),
            ("--epochs", flags.epochs != nil, supervised), ("--shuffle/--no-shuffle", flags.shuffle != nil, supervised),
            ("--eval-every", flags.evalEvery != nil, supervised), ("--set", !flags.settings.isEmpty, supervised),
        ]
    }

    /// Refuses (exit 64) the first given flag that `kind`'s tasks do not read, naming the tasks that do.
    func refuseFlagsNotApplying(to kind: TaskKind) throws {
        guard let scope = flagScopes.first(where: { $0.given && !$0.kinds.contains(kind) }) else { return }
        let hint = scope.flag == "--steps" && kind == .supervised ? " (use --epochs)" : scope.flag == "--epochs" ? " (use --steps)" : ""
        let readers = TaskKind.allCases.filter(scope.kinds.contains).map(\.tasks).joined(separator: " and to ")
        throw ValidationError("\(scope.flag) does not apply to the \(kind.taskNoun) \(experiment)\(hint); it applies to \(readers)")
    }

    func run() throws {
        try Exit.run {
            if let task = SupervisedConfig.resolve(experiment) {
                try refuseFlagsNotApplying(to: .supervised)
                return try runSupervised(task, command: self)
            }
            if case .continuous? = try? LearningTask.named(experiment) {
                try refuseFlagsNotApplying(to: .continuous)
                return try runContinuous()
            }
            try refuseFlagsNotApplying(to: .qLearning)
            let e = try loadExperiment()
            let trial = QLearningTrial(experiment: e, seed: seed)
            let backends = try backends()
            for backend in backends { try trial.validate(on: backend) }
            let folder = URL(fileURLWithPath: out ?? "out/train/\(e.name)")
            guard compareBackends else {
                let summary = try runOptions.scheduler.run(trial, on: backends[0], in: RunFolder(folder))
                printOut(json ? String(decoding: try JSONOutput.encode(summary), as: UTF8.self) : humanSummary(summary, folder: folder))
                if !summary.failedTrials.isEmpty { throw ExitCode(70) }
                return
            }
            // Same seeds, same trials, both backends: do they learn the same policy?
            let ideal = try runOptions.scheduler.run(trial, on: backends[0], in: RunFolder(folder.appendingPathComponent("ideal")))
            let spice = try runOptions.scheduler.run(trial, on: backends[1], in: RunFolder(folder.appendingPathComponent("spice")))
            let comparison = BackendTrainingComparison(ideal: ideal, spice: spice)
            try AtomicFile.write(try JSONOutput.encode(comparison), to: folder.appendingPathComponent("comparison.json"))
            if json {
                printOut(String(decoding: try JSONOutput.encode(comparison), as: UTF8.self))
            } else {
                printOut(humanSummary(ideal, folder: folder.appendingPathComponent("ideal")))
                printOut(humanSummary(spice, folder: folder.appendingPathComponent("spice")))
                for t in comparison.trials {
                    printOut("trial \(t.trial): ideal \(t.idealPolicy.map(String.init).joined(separator: ",")) "
                        + String(format: "(%.6f)", t.idealReward) + " spice \(t.spicePolicy.map(String.init).joined(separator: ",")) "
                        + String(format: "(%.6f)", t.spiceReward) + (t.agree ? " agree" : " DIFFER"))
                }
                printOut("policies agree in \(comparison.agreeCount) of \(comparison.trials.count) trials; results: \(folder.path)")
            }
            if !(ideal.failedTrials + spice.failedTrials).isEmpty { throw ExitCode(70) }
        }
    }

    /// `clln train cartpole|mountaincar`: CLLN Q-learning on a continuous-state task.
    func runContinuous() throws {
        guard readout == nil || readout == .perAction else {
            throw ValidationError("\(experiment) trains the per-action readout only; drop --readout \(readout!.rawValue)")
        }
        let trial = ContinuousQLearningTrial(
            task: experiment, config: try continuousConfig(), seed: seed, trials: trials ?? 10)
        let backend = try backendOptions.solverBackend()
        try trial.validate(on: backend)
        let folder = URL(fileURLWithPath: out ?? "out/train/\(experiment)")
        let s = try runOptions.scheduler.run(trial, on: backend, in: RunFolder(folder))
        if json {
            printOut(String(decoding: try JSONOutput.encode(s), as: UTF8.self))
        } else {
            for t in s.trials {
                printOut(String(format: "trial %2d  greedy return %.1f  last 100 training episodes %.1f  gates at min/max %d/%d  %.1f s",
                                t.trial, t.finalGreedyReturn, t.lastTrainingReturn ?? .nan, t.gatesAtMinimum, t.gatesAtMaximum, t.wallSeconds))
            }
            for f in s.failedTrials { printOut("trial \(f.trial) FAILED: \(f.error)") }
            printOut("\(s.network) (\(s.parameters) gates), \(s.steps) steps: greedy return \(String(format: "%.1f", s.finalGreedyReturnMean)); "
                + "solved (greedy) \(s.solved.description); solved (last 100 training episodes) \(s.solvedInTraining.description); results: \(folder.path)")
        }
        if !s.failedTrials.isEmpty { throw ExitCode(70) }
    }

    /// The continuous task's defaults with the flags applied (ε falls over the same share of --steps).
    func continuousConfig() throws -> ContinuousQLearningConfig {
        guard case let .continuous(environment) = try LearningTask.named(experiment) else { throw InputFileError.unknownExperiment(experiment) }
        var c = ContinuousQLearningConfig.defaults(for: environment)
        if let steps {
            c.epsilonDecaySteps = Int((Double(c.epsilonDecaySteps) * Double(steps) / Double(c.steps)).rounded())
            c.steps = steps
        }
        c.rule = c.rule.overriding(alpha: alpha, eta: eta, batchSize: batch, updateClip: clip)
        c.gamma = gamma ?? c.gamma
        c.epsilonStart = epsilonStart ?? c.epsilonStart
        c.epsilonEnd = epsilonEnd ?? c.epsilonEnd
        c.encoding = encoding ?? c.encoding
        c.centers = centers ?? c.centers
        c.railVoltage = railVoltage ?? c.railVoltage
        c.railGateMean = railGate ?? c.railGateMean
        c.explorationBonus = explorationBonus ?? c.explorationBonus
        c.bonusCells = bonusCells ?? c.bonusCells
        c.initialGateMean = initialGate ?? c.initialGateMean
        c.advantageKappa = advantageKappa ?? c.advantageKappa
        if let hidden {
            let widths = hidden.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !hidden.isEmpty, widths.allSatisfy({ $0 != nil }) else {
                throw badValue("--hidden must be comma-separated layer widths, e.g. --hidden 8 or --hidden 8,8 (got \"\(hidden)\")")
            }
            c.hidden = widths.compactMap { $0 }
        }
        try c.validate(for: environment)
        return c
    }

    func humanSummary(_ s: TrainingSummary, folder: URL) -> String {
        let weight = s.config.stepWeight(stateCount: s.bestPolicy.count)
        let rate = String(format: "α %g", s.config.rule.alpha)
            + (weight == 1 ? "" : String(format: " × %.4g per step (the reference's 1/states weighting)", weight))
        var lines = ["\(s.preset) (\(s.backend)\(s.referenceQuirk ? ", reference quirk" : "")): \(s.steps) steps per trial, \(rate)",
                     String(format: "optimum %.7f", s.optimum) + " (policy \(s.bestPolicy.map(String.init).joined(separator: ",")), "
                        + (s.optimalPolicyCount.map { "\($0) optimal policies)" + String(format: ", worst %.6f", s.worst ?? .nan) }
                            ?? "by value iteration)")]
        for t in s.trials {
            lines.append(String(format: "trial %2d  policy ", t.trial) + t.policy.map(String.init).joined(separator: ",")
                + String(format: "  reward %.6f  ratio %.4f", t.reward, t.ratio) + (t.isBest ? " best" : "")
                + String(format: "  %.2f s  %.0f steps/s", t.wallSeconds, t.stepsPerSecond))
        }
        for f in s.failedTrials { lines.append("trial \(f.trial) FAILED: \(f.error)") }
        lines.append("best policy in \(s.bestRate.description); within 1% of the optimum: \(s.nearOptimalRate.description)"
            + (s.failedTrials.isEmpty ? "" : "; \(s.failedTrials.count) failed"))
        lines.append("results: \(folder.path)")
        return lines.joined(separator: "\n")
    }
}

/// Per-trial comparison of the same trials trained on the idealized and the SPICE backend.
struct BackendTrainingComparison: Encodable {
    struct Trial: Encodable {
        var trial: Int
        var idealPolicy: [Int]
        var spicePolicy: [Int]
        var idealReward: Double
        var spiceReward: Double
        var agree: Bool
        enum CodingKeys: String, CodingKey {
            case trial, idealPolicy = "ideal_policy", spicePolicy = "spice_policy", idealReward = "ideal_reward"
            case spiceReward = "spice_reward", agree
        }
    }
    var preset: String
    var optimum: Double
    var trials: [Trial]
    var agreeCount: Int
    var idealBestCount: Int
    var spiceBestCount: Int
    var spiceBackendInfo: [String: String]
    enum CodingKeys: String, CodingKey {
        case preset, optimum, trials, agreeCount = "agree_count", idealBestCount = "ideal_best_count"
        case spiceBestCount = "spice_best_count", spiceBackendInfo = "spice_backend_info"
    }

    init(ideal: TrainingSummary, spice: TrainingSummary) {
        preset = ideal.preset
        optimum = ideal.optimum
        let spiceByTrial = Dictionary(uniqueKeysWithValues: spice.trials.map { ($0.trial, $0) })
        trials = ideal.trials.compactMap { a in
            spiceByTrial[a.trial].map { b in
                Trial(trial: a.trial, idealPolicy: a.policy, spicePolicy: b.policy, idealReward: a.reward,
                      spiceReward: b.reward, agree: a.policy == b.policy)
            }
        }
        agreeCount = trials.filter(\.agree).count
        idealBestCount = ideal.bestCount
        spiceBestCount = spice.bestCount
        spiceBackendInfo = spice.backendInfo
    }
}
