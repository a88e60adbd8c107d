import Foundation

/// Hyperparameters of the Q-learning adapter (spec §3); the presets carry the paper's values.
public struct QLearningConfig: Sendable, Hashable, Codable {
    /// Training steps T.
    public var steps: Int
    public var rule: CoupledLearningRule
    /// Discount γ of the mean-normalized target.
    public var gamma: Double
    /// Exploration ε, falling linearly from `epsilonStart` at t = 0 to `epsilonEnd` at t = T.
    public var epsilonStart: Double
    public var epsilonEnd: Double
    /// Initial gates: mean + spread·N(0, 1) per edge (a fresh draw per trial).
    public var initialGateMean: Double
    public var initialGateSpread: Double
    /// Number of log-spaced measurement points requested (M; spec §3).
    public var measurements: Int
    /// When set, measure every this many steps instead of at the log-spaced steps.
    public var measurementInterval: Int?
    /// Reproduce the reference code's measurement quirk (spec §3) instead of the faithful
    /// algorithm: after each measurement the rest of that batch re-uses the measurement's
    /// clamped solutions, which were clamped toward the data table's labels.
    public var referenceQuirk: Bool
    /// p in the weight (1/S)^p of every step's local-rule update, S the task's number of states.
    /// The reference code multiplies each update by its per-datapoint factor `MULTS**MXP`, with
    /// `MULTS = 1/TRA` (one data row per state) and `MXP = 1` in both notebooks, so its effective
    /// rate is α/S; the presets carry p = 1. p = 0 applies spec §2's rule with α as written.
    public var stateWeightExponent: Double
    /// How Q(s, a) is read and nudged (``Readout``); `nil` is ``Readout/perAction``, the paper's,
    /// and is left out of encoded configs. A group readout needs the action-conditioned network
    /// (``QLearningExperiment/withReadout(_:)``).
    public var readout: Readout?
    /// The group readouts' action code and gain (``ActionConditioning``); `nil` is
    /// ``ActionConditioning/standard`` and is left out of encoded configs.
    public var actionConditioning: ActionConditioning?
    /// The Bellman target (``QTarget``); `nil` is ``QTarget/meanNormalized``, the paper's, and is
    /// left out of encoded configs.
    public var target: QTarget?

    enum CodingKeys: String, CodingKey {
        case steps, rule, gamma, epsilonStart = "epsilon_start", epsilonEnd = "epsilon_end"
        case initialGateMean = "initial_gate_mean", initialGateSpread = "initial_gate_spread", measurements
        case measurementInterval = "measurement_interval", referenceQuirk = "reference_quirk"
        case stateWeightExponent = "state_weight_exponent", readout, actionConditioning = "action_conditioning", target
    }

    public init(steps: Int, rule: CoupledLearningRule, gamma: Double, epsilonStart: Double, epsilonEnd: Double,
                initialGateMean: Double = 1.5, initialGateSpread: Double = 0.1, measurements: Int, referenceQuirk: Bool = false,
                stateWeightExponent: Double = 0) {
        self.steps = steps
        self.rule = rule
        self.gamma = gamma
        self.epsilonStart = epsilonStart
        self.epsilonEnd = epsilonEnd
        self.initialGateMean = initialGateMean
        self.initialGateSpread = initialGateSpread
        self.measurements = measurements
        self.referenceQuirk = referenceQuirk
        self.stateWeightExponent = stateWeightExponent
    }

    /// The weight (1/S)^p of one step's update for a task with `stateCount` states.
    public func stepWeight(stateCount: Int) -> Double {
        stateWeightExponent == 0 ? 1 : pow(1 / Double(max(stateCount, 1)), stateWeightExponent)
    }

    /// ε at step t.
    public func epsilon(at t: Int) -> Double {
        epsilonStart + (epsilonEnd - epsilonStart) * Double(t) / Double(max(steps, 1))
    }

    /// The reference's measurement steps: unique(floor(logspace(−0.01, log10(T−1), M))), then
    /// every step less than 10 after the previous kept one dropped.
    public var measurementSteps: [Int] {
        if let interval = measurementInterval, interval > 0 { return Array(stride(from: 0, to: steps, by: interval)) }
        guard steps > 2, measurements > 1 else { return [max(steps - 1, 0)] }
        let top = log10(Double(steps - 1))
        var raw: [Int] = []
        for i in 0..<measurements {
            let exponent = -0.01 + (top + 0.01) * Double(i) / Double(measurements - 1)
            raw.append(Int(pow(10, exponent).rounded(.down)))
        }
        var kept: [Int] = []
        for step in Set(raw).sorted() where kept.isEmpty || step - kept.last! >= 10 { kept.append(step) }
        return kept
    }

    /// Checks every hyperparameter; the error names the config key (`steps`, `epsilon_start`, …).
    public func validate() throws {
        func bad(_ why: String) -> LearningError { .invalidHyperparameter(why) }
        try rule.validate()
        guard (1...InputLimits.maximumSteps).contains(steps) else {
            throw bad("steps must be a whole number in 1...\(InputLimits.maximumSteps) (got \(steps)), e.g. steps 20000")
        }
        guard (0...1).contains(epsilonStart) else {
            throw bad("epsilon_start must lie in [0, 1] (got \(epsilonStart)), e.g. epsilon_start 0.05")
        }
        guard (0...1).contains(epsilonEnd) else { throw bad("epsilon_end must lie in [0, 1] (got \(epsilonEnd)), e.g. epsilon_end 0") }
        guard (0...1).contains(gamma) else { throw bad("gamma (the discount γ) must lie in [0, 1] (got \(gamma)), e.g. gamma 0.5") }
        if target == .discounted, gamma >= 1 { throw bad("the discounted target needs gamma < 1 (got \(gamma)), e.g. gamma 0.9") }
        guard initialGateMean.isFinite else {
            throw bad("initial_gate_mean must be a finite gate voltage (got \(initialGateMean)), e.g. initial_gate_mean 1.5")
        }
        guard initialGateSpread.isFinite, initialGateSpread >= 0 else {
            throw bad("initial_gate_spread must be a finite number ≥ 0 (got \(initialGateSpread)), e.g. initial_gate_spread 0.1")
        }
        guard stateWeightExponent.isFinite, stateWeightExponent >= 0 else {
            throw bad("state_weight_exponent must be a finite number ≥ 0 (got \(stateWeightExponent)); "
                + "1: the reference's α/S, 0: α as written")
        }
        guard (1...InputLimits.maximumMeasurements).contains(measurements) else {
            throw bad("measurements must be a whole number in 1...\(InputLimits.maximumMeasurements) (got \(measurements)), e.g. measurements 300")
        }
        if readout?.isActionConditioned == true, referenceQuirk {
            throw bad("reference_quirk reproduces the per-action readout's measurement; drop it or use readout per-action")
        }
        if let actionConditioning {
            guard readout?.isActionConditioned == true else {
                throw bad("action_code, action_wiring, action_voltage, action_off_voltage, readout_gain and readout_offset set a group readout; "
                    + "use readout arq, mean or variance, or drop them")
            }
            try actionConditioning.validate()
        }
        if let interval = measurementInterval {
            guard interval >= 1 else {
                throw bad("measurement_interval must be ≥ 1 step (got \(interval)), or left out for log-spaced measurements")
            }
            guard steps / interval <= InputLimits.maximumMeasurements else {
                throw bad("measurement_interval \(interval) gives \(steps / interval) measurements of \(steps) steps; "
                    + "raise it to at least \(steps / InputLimits.maximumMeasurements + 1)")
            }
        }
    }
}

/// The Bellman target a Q-learning step clamps toward, from the reward R and the next state's Q
/// values F(S′) over the actions.
public enum QTarget: String, Sendable, Hashable, Codable, CaseIterable, ConfigChoice {
    public static let configKey = "target"
    /// `R + γ·(max F(S′) − mean F(S′))` (spec §3, the paper's): only the next state's spread of
    /// values enters, so the spread shrinks with every step of distance to a reward (by γ and by
    /// the mean it removes); right for the paper's one-step tasks.
    case meanNormalized = "mean-normalized"
    /// `(1 − γ)·R + γ·max F(S′)`: Q-learning's target with the reward scaled by 1 − γ, so that Q
    /// stays within the rewards' range (Q* = (1 − γ)·Σ γᵏ R_k); values propagate over long paths
    /// (grid worlds).
    case discounted

    public func value(reward: Double, nextValues: [Double], gamma: Double) -> Double {
        switch self {
        case .meanNormalized: QLearningTrainer.target(reward: reward, nextOutputs: nextValues, gamma: gamma)
        case .discounted: (1 - gamma) * reward + gamma * nextValues.max()!
        }
    }
}

/// One logged measurement of a trial.
public struct Measurement: Sendable, Codable, Hashable {
    public var step: Int
    /// Mean of the rewards received since the previous measurement (the paper's curves).
    public var runningAverageReward: Double
    /// Greedy policy at this step and its exact long-run average reward.
    public var policy: [Int]
    public var policyReward: Double
    public var gates: [Double]

    enum CodingKeys: String, CodingKey {
        case step, runningAverageReward = "running_average_reward", policy, policyReward = "policy_reward", gates
    }
}

/// The outcome of one trial.
public struct TrialResult: Sendable, Codable, Hashable {
    public var trial: Int
    public var seed: UInt64
    public var policy: [Int]
    public var reward: Double
    public var finalGates: [Double]
    /// Per state the Q values over the actions: the free outputs for the per-action readout.
    public var finalOutputs: [[Double]]
    public var curve: [Measurement]
    public var wallSeconds: Double
    public var freeSolves: Int
    public var clampedSolves: Int

    enum CodingKeys: String, CodingKey {
        case trial, seed, policy, reward, finalGates = "final_gates", finalOutputs = "final_outputs", curve
        case wallSeconds = "wall_s", freeSolves = "free_solves", clampedSolves = "clamped_solves"
    }
}

/// Everything needed to continue a trial exactly: taken at batch boundaries.
public struct TrialCheckpoint: Sendable, Codable, Hashable {
    public var trial: Int
    public var seed: UInt64
    public var step: Int
    public var state: Int
    public var gates: [Double]
    public var rng: SeededGenerator
    /// The read-noise generator's state (nil when the run has no read noise).
    public var noiseRNG: SeededGenerator?
    public var rewardSum: Double
    public var rewardCount: Int
    public var curve: [Measurement]
    /// Last free solution of each state (warm starts).
    public var warmStarts: [[Double]?]
    public var wallSeconds: Double
    public var freeSolves: Int
    public var clampedSolves: Int
}

/// The Q-learning adapter of spec §3 on any solver backend.
public final class QLearningTrainer {
    public let topology: Topology
    public let environment: any TabularEnvironment
    public let config: QLearningConfig
    private let solver: any EquilibriumSolver
    /// Solver of the clamped phase: the same network, or its twin on separate devices.
    private let clampedSolver: any EquilibriumSolver
    /// σ of the Gaussian noise added to every measured voltage (V).
    private let readNoise: Double
    private let readout: Readout
    private let conditioning: ActionConditioning
    /// Held inputs of every free solve, by slot: state s (per-action) or s·A + a (group readouts).
    private let freeHeld: [HeldNodes]
    private let clampedNodes: [Int]
    private let outputs: [Int]

    @exclusivity(unchecked) private var gates: [Double] = []
    @exclusivity(unchecked) private var accumulator: LocalRuleAccumulator
    /// Free solutions, last solutions (warm starts) by slot.
    @exclusivity(unchecked) private var freeCache: [[Double]?]
    @exclusivity(unchecked) private var warmStarts: [[Double]?]
    @exclusivity(unchecked) private var quirkClamped: [[Double]?]
    @exclusivity(unchecked) private var freeSolves = 0
    @exclusivity(unchecked) private var clampedSolves = 0
    /// Read-noise draws of free measurements (free solutions are measured inside helpers that do
    /// not see the step's generator); reseeded per trial.
    @exclusivity(unchecked) private var noiseRNG = SeededGenerator(seed: 0)

    /// Edges opened (removed) at a step of the run: the damage experiment.
    public struct Damage: Sendable, Hashable {
        public var step: Int
        public var edges: Set<Int>
        public init(step: Int, edges: Set<Int>) {
            self.step = step
            self.edges = edges
        }
    }

    /// `clampedSolver` runs the clamped phase on a twin network (default: `solver`); `readNoise`
    /// adds Gaussian noise of that σ (V) to every voltage the learning loop reads.
    public init(
        topology: Topology, environment: any TabularEnvironment, config: QLearningConfig, solver: any EquilibriumSolver,
        clampedSolver: (any EquilibriumSolver)? = nil, readNoise: Double = 0
    ) throws {
        try config.validate()
        try environment.validate()
        readout = config.readout ?? .perAction
        let conditioning = config.actionConditioning ?? .standard
        self.conditioning = conditioning
        try Self.checkFit(topology: topology, environment: environment, readout: readout, conditioning: conditioning)
        self.topology = topology
        self.environment = environment
        self.config = config
        self.solver = solver
        self.clampedSolver = clampedSolver ?? solver
        self.readNoise = readNoise
        let actions = environment.actionCount
        freeHeld = readout.isActionConditioned
            ? topology.states.flatMap { state in
                (0..<actions).map {
                    HeldNodes(nodes: topology.inputs, values: conditioning.inputs(state: state, action: $0, actions: actions))
                }
            }
            : try (0..<topology.states.count).map { try topology.freeHeld(state: $0) }
        clampedNodes = topology.inputs + topology.outputs
        outputs = topology.outputs
        accumulator = LocalRuleAccumulator(edgeCount: topology.edgeCount)
        freeCache = [[Double]?](repeating: nil, count: freeHeld.count)
        warmStarts = freeCache
        quirkClamped = freeCache
    }

    /// Throws unless the network has one state encoding per task state and, for ``Readout/perAction``,
    /// one output per action; for a group readout, at least the code's action inputs (the last
    /// ``ActionConditioning/inputCount(actions:)`` inputs carry it) and at least 2 outputs (1 for ``Readout/mean``).
    public static func checkFit(
        topology: Topology, environment: any TabularEnvironment, readout: Readout = .perAction,
        conditioning: ActionConditioning = .standard
    ) throws {
        try topology.requireInputs()
        guard topology.states.count == environment.stateCount else {
            throw LearningError.mismatch(
                "the topology encodes \(topology.states.count) states, the task has \(environment.stateCount); "
                    + "give the topology one \"states\" entry per task state")
        }
        if readout.isActionConditioned {
            let codeInputs = conditioning.inputCount(actions: environment.actionCount)
            guard topology.inputs.count >= codeInputs else {
                throw LearningError.mismatch(
                    "readout \(readout.rawValue) codes the \(environment.actionCount) actions on the last \(codeInputs) inputs, the topology has "
                        + "\(topology.inputs.count); extend it with Readout.actionConditioned")
            }
            let minimum = readout == .mean ? 1 : 2
            guard topology.outputs.count >= minimum else {
                throw LearningError.mismatch(
                    "readout \(readout.rawValue) reads a group of at least \(minimum) outputs, the topology has \(topology.outputs.count)")
            }
            return
        }
        guard topology.outputs.count == environment.actionCount else {
            throw LearningError.mismatch(
                "the topology has \(topology.outputs.count) outputs, the task has \(environment.actionCount) actions; "
                    + "give the topology one output per action")
        }
    }

    /// Initial parameters of a trial: per edge a gate voltage mean + spread·N(0,1), clipped to the
    /// gate bounds, as the element encodes it (``ElementModel/initialParameter(gate:)``: other
    /// elements than transistors take their default). Every edge draws.
    public static func initialGates(topology: Topology, config: QLearningConfig, rng: inout SeededGenerator) -> [Double] {
        topology.edges.map { edge in
            let u = config.initialGateMean + config.initialGateSpread * rng.gaussian()
            let bounds = topology.gateBounds
            let gate = min(max(u, bounds.lowerBound), bounds.upperBound)
            return edge.element.model.initialParameter(gate: gate)
        }
    }

    /// Runs trial `trial` from (seed, trial), or continues `resume`. `checkpoint` is called at
    /// batch boundaries every `checkpointEvery` steps; `progress` with the steps done since its
    /// last call.
    public func run(
        trial: Int, seed: UInt64, resume: TrialCheckpoint? = nil, checkpointEvery: Int = 10_000, damage: Damage? = nil,
        checkpoint: (TrialCheckpoint) throws -> Void = { _ in }, progress: (Int) -> Void = { _ in }
    ) throws -> TrialResult {
        let start = DispatchTime.now().uptimeNanoseconds
        var rng = SeededGenerator(seed: seed, stream: UInt64(trial))
        noiseRNG = SeededGenerator(seed: seed ^ 0x5EED_0F_0015E, stream: UInt64(trial))
        gates = Self.initialGates(topology: topology, config: config, rng: &rng)
        var state = rng.index(environment.stateCount)
        var t = 0
        var rewardSum = 0.0
        var rewardCount = 0
        var curve: [Measurement] = []
        var previousWall = 0.0
        freeSolves = 0
        clampedSolves = 0
        warmStarts = [[Double]?](repeating: nil, count: freeHeld.count)
        if let resume {
            guard resume.trial == trial, resume.seed == seed, resume.gates.count == topology.edgeCount else {
                throw LearningError.checkpoint("the checkpoint belongs to another trial, seed or topology")
            }
            (t, state, gates, rng) = (resume.step, resume.state, resume.gates, resume.rng)
            (rewardSum, rewardCount, curve, warmStarts) = (resume.rewardSum, resume.rewardCount, resume.curve, resume.warmStarts)
            (previousWall, freeSolves, clampedSolves) = (resume.wallSeconds, resume.freeSolves, resume.clampedSolves)
            if let saved = resume.noiseRNG { noiseRNG = saved }
        }
        invalidateBatch()
        let measureAt = Set(config.measurementSteps)
        let rule = config.rule
        let stepWeight = config.stepWeight(stateCount: environment.stateCount)
        let actions = environment.actionCount
        var lastProgress = t
        var lastCheckpoint = t
        func elapsed() -> Double { previousWall + Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9 }

        // Inside a batch neither the gates nor the free solutions change, so every step's clamp is
        // known before any clamped phase is solved: the batch's clamped phases are solved together
        // (one `dc` sweep on SPICE; one by one, warm-started from each step's free solution, on the
        // idealized solver) and accumulated in step order when the batch ends.
        var batchFree: [[Double]] = []
        var batchReused: [[Double]?] = []
        var batchClamps: [HeldNodes] = []
        func finishClampedPhases() throws {
            // Each clamped phase starts from its step's free solution.
            let warmStarts = zip(batchFree, batchReused).compactMap { free, reused in reused == nil ? free : nil }
            let solved = batchClamps.isEmpty
                ? [] : try clampedSolver.solveBatch(parameters: gates, held: batchClamps, warmStarts: warmStarts)
            clampedSolves += solved.count
            let sensitivities = LocalRuleAccumulator.sensitivities(topology: topology, parameters: gates)
            var next = solved.startIndex
            for (free, reused) in zip(batchFree, batchReused) {
                let clamped: [Double]
                if let reused {
                    clamped = reused
                } else {
                    clamped = reading(solved[next].voltages, readNoise: readNoise, rng: &rng)
                    next += 1
                }
                accumulator.accumulate(
                    topology: topology, sensitivities: sensitivities, free: free, clamped: clamped, rule: rule, weight: stepWeight)
            }
            batchFree.removeAll(keepingCapacity: true)
            batchReused.removeAll(keepingCapacity: true)
            batchClamps.removeAll(keepingCapacity: true)
        }

        var frozen: Set<Int> = []
        var damaged = false
        while t < config.steps {
            if let damage, !damaged, t >= damage.step {
                damaged = true
                try finishClampedPhases()  // on the circuit they were taken from
                // An opened transistor: gone from the circuit, its gate no longer learns.
                try solver.removeEdges(damage.edges)
                frozen = damage.edges
                invalidateBatch()
                for s in warmStarts.indices { warmStarts[s] = nil }
            }
            if t % rule.batchSize == 0, t - lastCheckpoint >= checkpointEvery {
                try checkpoint(TrialCheckpoint(
                    trial: trial, seed: seed, step: t, state: state, gates: gates, rng: rng,
                    noiseRNG: readNoise > 0 ? noiseRNG : nil, rewardSum: rewardSum,
                    rewardCount: rewardCount, curve: curve, warmStarts: warmStarts, wallSeconds: elapsed(),
                    freeSolves: freeSolves, clampedSolves: clampedSolves))
                lastCheckpoint = t
            }
            if measureAt.contains(t) {
                let (policy, _) = try greedyPolicy()
                curve.append(Measurement(
                    step: t, runningAverageReward: rewardCount > 0 ? rewardSum / Double(rewardCount) : .nan,
                    policy: policy, policyReward: environment.exactAverageReward(policy: policy), gates: gates))
                rewardSum = 0
                rewardCount = 0
                if config.referenceQuirk { try solveMeasurementClamps() }
            }
            if let period = environment.resetPeriod, t % period == 0 { state = rng.index(environment.stateCount) }

            let q = try qValues(state)
            let action: Int
            if rng.uniform() < config.epsilon(at: t) {
                action = rng.index(actions)
            } else {
                action = argmax(q, Array(q.indices))
            }
            let (reward, next) = environment.sampleStep(state: state, action: action, rng: &rng)
            let target = (config.target ?? .meanNormalized).value(reward: reward, nextValues: try qValues(next), gamma: config.gamma)

            // The clamped phase starts from the free solution the taken action was read from.
            let slot = slot(state: state, action: action)
            let free = try freeSolution(slot)
            batchFree.append(free)
            batchReused.append(quirkClamped[slot])
            if quirkClamped[slot] == nil {
                let clamps = readout.clampedOutputs(
                    free: outputs.map { free[$0] }, action: action, target: target, eta: rule.eta, gain: conditioning.gain,
                    offset: conditioning.offset)
                batchClamps.append(HeldNodes(nodes: clampedNodes, values: freeHeld[slot].values + clamps))
            }
            rewardSum += reward
            rewardCount += 1
            state = next
            t += 1
            if t % rule.batchSize == 0 || t == config.steps {
                try finishClampedPhases()
                accumulator.apply(to: &gates, topology: topology, rule: rule, frozen: frozen)
                invalidateBatch()
            }
            if t - lastProgress >= 1000 || t == config.steps {
                progress(t - lastProgress)
                lastProgress = t
            }
        }
        let (policy, finalOutputs) = try greedyPolicy()
        return TrialResult(
            trial: trial, seed: seed, policy: policy, reward: environment.exactAverageReward(policy: policy),
            finalGates: gates, finalOutputs: finalOutputs, curve: curve, wallSeconds: elapsed(),
            freeSolves: freeSolves, clampedSolves: clampedSolves)
    }

    /// The mean-normalized Bellman target (``QTarget/meanNormalized``): `R + γ · (max F(S') − mean F(S'))`
    /// (spec §3), with F(S') the next state's Q values over the actions (its outputs for ``Readout/perAction``).
    public static func target(reward: Double, nextOutputs: [Double], gamma: Double) -> Double {
        reward + gamma * (nextOutputs.max()! - nextOutputs.reduce(0, +) / Double(nextOutputs.count))
    }

    /// Greedy action per state under the current gates, and each state's Q values over the actions
    /// (the free outputs for ``Readout/perAction``).
    private func greedyPolicy() throws -> (policy: [Int], outputs: [[Double]]) {
        var policy: [Int] = []
        var values: [[Double]] = []
        for s in 0..<environment.stateCount {
            let q = try qValues(s)
            policy.append(argmax(q, Array(q.indices)))
            values.append(q)
        }
        return (policy, values)
    }

    /// Slot of the free solve Q(state, action) is read from.
    private func slot(state: Int, action: Int) -> Int {
        readout.isActionConditioned ? state * environment.actionCount + action : state
    }

    /// Q(state, a) for every action a under the current gates: the free outputs (per-action), or
    /// the readout's statistic of each candidate's outputs, the uncached candidates solved as one
    /// batch (``EquilibriumSolver/solveBatch(parameters:held:warmStarts:)``).
    private func qValues(_ state: Int) throws -> [Double] {
        guard readout.isActionConditioned else {
            let v = try freeSolution(state)
            return outputs.map { v[$0] }
        }
        let slots = (0..<environment.actionCount).map { slot(state: state, action: $0) }
        let missing = slots.filter { freeCache[$0] == nil }
        if !missing.isEmpty {
            let solved = try solver.solveBatch(
                parameters: gates, held: missing.map { freeHeld[$0] }, warmStarts: missing.map { warmStarts[$0] })
            for (slot, solution) in zip(missing, solved) {
                freeSolves += 1
                warmStarts[slot] = solution.voltages
                freeCache[slot] = reading(solution.voltages, readNoise: readNoise, rng: &noiseRNG)
            }
        }
        return try slots.map { slot in
            let v = try freeSolution(slot)
            return readout.value(outputs: outputs.map { v[$0] }, gain: conditioning.gain, offset: conditioning.offset)
        }
    }

    /// The reference's measurement: a clamped phase for every state toward the data table's
    /// labels, kept as "current" for the rest of the batch.
    private func solveMeasurementClamps() throws {
        for s in 0..<environment.stateCount {
            let free = try freeSolution(s)
            let clamps = config.rule.clampValues(free: outputs.map { free[$0] }, labels: environment.measurementLabels(state: s))
            let held = HeldNodes(nodes: clampedNodes, values: freeHeld[s].values + clamps)
            quirkClamped[s] = try clampedSolver.voltagesRetryingCold(parameters: gates, held: held, warmStart: free)
            clampedSolves += 1
        }
    }

    /// Free solution of `slot` under the current gates (cached until the gates change).
    private func freeSolution(_ slot: Int) throws -> [Double] {
        if let cached = freeCache[slot] { return cached }
        let v = try solver.voltagesRetryingCold(parameters: gates, held: freeHeld[slot], warmStart: warmStarts[slot])
        freeSolves += 1
        warmStarts[slot] = v
        let measured = reading(v, readNoise: readNoise, rng: &noiseRNG)
        freeCache[slot] = measured
        return measured
    }

    private func invalidateBatch() {
        for s in freeCache.indices {
            freeCache[s] = nil
            quirkClamped[s] = nil
        }
    }
}

/// Index of the largest `voltages[node]` over `nodes` (first on ties).
func argmax(_ voltages: [Double], _ nodes: [Int]) -> Int {
    var best = 0
    for i in 1..<nodes.count where voltages[nodes[i]] > voltages[nodes[best]] { best = i }
    return best
}
