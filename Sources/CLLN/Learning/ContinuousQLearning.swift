import Foundation

/// How a continuous state becomes the input voltages of a CLLN.
///
/// Both codes are fixed (nothing in them learns) and put every input in [0, 1] V, so every node
/// voltage, Q included, stays in [0, 1] V (maximum principle). With one edge from each input to
/// each output, output a settles near the conductance-weighted mean of the inputs: Q(s, a) is a
/// normalized positive combination of the code, so the code decides which functions of the
/// state the network can hold.
public enum ContinuousEncoding: String, Sendable, Hashable, Codable, CaseIterable {
    /// Component i scaled onto [0, 1] V from its nominal range (``ContinuousEnvironment/encoding(_:range:)``,
    /// u_i) and its mirror 1 − u_i, plus a rail at 0.5 V: 2d + 1 inputs. Differences of two outputs
    /// are then any linear function of the state with bounded weights (a linear policy balances
    /// CartPole), but each Q is linear in the state.
    case scaled
    /// Per component, ``ContinuousQLearningConfig/centers`` Gaussian bumps exp(−(u − c)²/(2w²)) with
    /// centers c evenly spaced on [0, 1] and w their spacing, plus a rail at 0.5 V: d·k + 1 inputs.
    /// Q is then a sum of per-component nonlinear functions (an additive model): the value of
    /// CartPole, high near upright and low near the bounds, is not linear in the state.
    case rbf
    /// ``ContinuousQLearningConfig/centers`` bumps per component on a joint grid: input j is the
    /// product over components of their bumps (the Gaussian of the distance to a grid point, same
    /// width as ``rbf``), k^d inputs plus the rail. Q is then any smooth function of the joint
    /// state (a soft tile code), not only a sum of per-component ones.
    case rbfJoint = "rbf-joint"

    /// The inputs of `environment`'s state `state` (without the rail).
    public func code(_ state: [Double], environment: any ContinuousEnvironment, centers: Int) -> [Double] {
        let unit = environment.encoding(state, range: 0...1)
        switch self {
        case .scaled:
            return unit.flatMap { [$0, 1 - $0] }
        case .rbf:
            return unit.flatMap { Self.bumps($0, centers: centers) }
        case .rbfJoint:
            return unit.reduce([1.0]) { joint, u in
                let b = Self.bumps(u, centers: centers)
                return joint.flatMap { x in b.map { x * $0 } }
            }
        }
    }

    /// The k bumps of one component u ∈ [0, 1]: exp(−(u − c_j)²/(2w²)), c_j = j·w, w = 1/(k − 1).
    static func bumps(_ u: Double, centers: Int) -> [Double] {
        let spacing = 1 / Double(max(centers - 1, 1))
        return (0..<centers).map { j in
            let d = u - Double(j) * spacing
            return exp(-d * d / (2 * spacing * spacing))
        }
    }

    /// Number of code inputs (without the rail) for a state of `dimension` components.
    public func width(dimension: Int, centers: Int) -> Int {
        switch self {
        case .scaled: 2 * dimension
        case .rbf: dimension * centers
        case .rbfJoint: Int(pow(Double(centers), Double(dimension)))
        }
    }
}

/// Hyperparameters of CLLN Q-learning on a continuous-state task (``ContinuousQLearningTrainer``).
public struct ContinuousQLearningConfig: Sendable, Hashable, Codable {
    public var steps: Int
    public var rule: CoupledLearningRule
    /// Discount γ of the TD target.
    public var gamma: Double
    /// ε falls linearly from `epsilonStart` at step 0 to `epsilonEnd` at `epsilonDecaySteps`, then stays.
    public var epsilonStart: Double
    public var epsilonEnd: Double
    public var epsilonDecaySteps: Int
    public var encoding: ContinuousEncoding
    /// Bumps per component (``ContinuousEncoding/rbf``).
    public var centers: Int
    /// Hidden layer widths between the inputs and the outputs (empty: every input wired to every output).
    public var hidden: [Int]
    /// Initial gates: mean + spread·N(0, 1) per edge.
    public var initialGateMean: Double
    public var initialGateSpread: Double
    /// Points of the learning curve (evenly spaced, plus step 0).
    public var measurements: Int
    /// Greedy episodes per curve point.
    public var evaluationEpisodes: Int
    /// Voltage of the rail input; nil is ``rail`` (0.5 V). A rail at 1 V with a strong initial
    /// gate (``railGateMean``) starts every Q near the top of [0, 1] V: optimistic initial values.
    public var railVoltage: Double?
    /// Mean of the initial gates of the rail's edges (spread ``initialGateSpread``); nil is
    /// ``initialGateMean``. The draws are the same either way (one Gaussian per edge, in edge order).
    public var railGateMean: Double?
    /// β of the host's count-based exploration bonus (``ExplorationCounts``): the target of a step
    /// from cell c with action a gains β/√N(c, a), N counting this visit, and is capped at 1 V.
    /// nil or 0: no bonus.
    public var explorationBonus: Double?
    /// Cells per state component of the bonus's counts (each component's [0, 1] code range cut
    /// evenly); nil is 10.
    public var bonusCells: Int?
    /// κ of advantage learning (Baird 1999; Bellemare et al. 2016, "Increasing the action gap"):
    /// the target of action a in s loses κ·(max_b Q(s, b) − Q(s, a)), which keeps the greedy
    /// policy of Q* and widens its action gaps by 1/(1 − κ). nil or 0: plain Q-learning.
    public var advantageKappa: Double?

    enum CodingKeys: String, CodingKey {
        case steps, rule, gamma, epsilonStart = "epsilon_start", epsilonEnd = "epsilon_end", epsilonDecaySteps = "epsilon_decay_steps"
        case encoding, centers, hidden, initialGateMean = "initial_gate_mean", initialGateSpread = "initial_gate_spread"
        case measurements, evaluationEpisodes = "evaluation_episodes"
        case railVoltage = "rail_voltage", railGateMean = "rail_gate_mean", explorationBonus = "exploration_bonus", bonusCells = "bonus_cells"
        case advantageKappa = "advantage_kappa"
    }

    public init(steps: Int, rule: CoupledLearningRule, gamma: Double, epsilonStart: Double, epsilonEnd: Double, epsilonDecaySteps: Int,
                encoding: ContinuousEncoding = .rbf, centers: Int = 7, hidden: [Int] = [], initialGateMean: Double = 1.5,
                initialGateSpread: Double = 0.1, measurements: Int = 50, evaluationEpisodes: Int = 10) {
        self.steps = steps
        self.rule = rule
        self.gamma = gamma
        self.epsilonStart = epsilonStart
        self.epsilonEnd = epsilonEnd
        self.epsilonDecaySteps = epsilonDecaySteps
        self.encoding = encoding
        self.centers = centers
        self.hidden = hidden
        self.initialGateMean = initialGateMean
        self.initialGateSpread = initialGateSpread
        self.measurements = measurements
        self.evaluationEpisodes = evaluationEpisodes
    }

    /// The defaults on `environment`, chosen on seeds 1000 and 2000 (8 trials each): CartPole
    /// 200,000 steps, ε 1 → 0.01 over the first half, γ 0.98, the scaled code, α 1, η 0.05, B 10,
    /// DGC 0.05; MountainCar 150,000 steps, ε 1 → 0.01 over the first third, γ 0.995, the rbf code
    /// (7 bumps per component), α 2, η 0.05, B 10, DGC 0.05. Gates 1.5 + 0.1·N(0,1), no hidden layer.
    public static func defaults(for environment: any ContinuousEnvironment) -> ContinuousQLearningConfig {
        let mountain = environment is MountainCar
        return ContinuousQLearningConfig(
            steps: mountain ? 150_000 : 200_000,
            rule: CoupledLearningRule(alpha: mountain ? 2 : 1, eta: 0.05, batchSize: 10, updateClip: 0.05),
            gamma: mountain ? 0.995 : 0.98, epsilonStart: 1, epsilonEnd: 0.01, epsilonDecaySteps: mountain ? 50_000 : 100_000,
            encoding: mountain ? .rbf : .scaled)
    }

    /// ε at step t.
    public func epsilon(at t: Int) -> Double {
        guard epsilonDecaySteps > 0, t < epsilonDecaySteps else { return epsilonEnd }
        return epsilonStart + (epsilonEnd - epsilonStart) * Double(t) / Double(epsilonDecaySteps)
    }

    /// Steps at which the curve is measured: 0, then `measurements` evenly spaced up to `steps`.
    public var measurementSteps: [Int] {
        let m = min(measurements, steps)
        return [0] + (1...m).map { Int((Double($0) * Double(steps) / Double(m)).rounded(.down)) }
    }

    /// Checks every value; the error names the key and the fix.
    public func validate() throws {
        func bad(_ why: String) -> LearningError { .invalidHyperparameter(why) }
        try rule.validate()
        guard (1...InputLimits.maximumSteps).contains(steps) else { throw bad("steps must be 1...\(InputLimits.maximumSteps) (got \(steps)), e.g. steps 200000") }
        guard gamma.isFinite, gamma >= 0, gamma < 1 else { throw bad("gamma must lie in [0, 1) (got \(gamma)), e.g. gamma 0.99") }
        for (key, value) in [("epsilon_start", epsilonStart), ("epsilon_end", epsilonEnd)] where !(value.isFinite && (0...1).contains(value)) {
            throw bad("\(key) must lie in [0, 1] (got \(value))")
        }
        guard epsilonDecaySteps >= 0 else { throw bad("epsilon_decay_steps must be ≥ 0 (got \(epsilonDecaySteps))") }
        guard (2...64).contains(centers) else { throw bad("centers (bumps per state component) must be 2...64 (got \(centers)), e.g. centers 7") }

        guard hidden.allSatisfy({ (1...InputLimits.maximumLayerWidth).contains($0) }) else {
            throw bad("hidden widths must be 1...\(InputLimits.maximumLayerWidth) (got \(hidden)), e.g. hidden [8] or []")
        }
        guard initialGateMean.isFinite, initialGateSpread.isFinite, initialGateSpread >= 0 else {
            throw bad("initial gates need a finite mean and a finite spread ≥ 0 (got \(initialGateMean), \(initialGateSpread))")
        }
        guard (1...InputLimits.maximumMeasurements).contains(measurements) else { throw bad("measurements must be 1...\(InputLimits.maximumMeasurements) (got \(measurements))") }
        guard (1...10_000).contains(evaluationEpisodes) else { throw bad("evaluation_episodes must be 1...10000 (got \(evaluationEpisodes))") }
        if let railVoltage, !(railVoltage.isFinite && (0...1).contains(railVoltage)) {
            throw bad("rail_voltage must lie in [0, 1] V, the code's range (got \(railVoltage)), e.g. rail_voltage 1")
        }
        if let railGateMean, !railGateMean.isFinite { throw bad("rail_gate_mean must be finite (got \(railGateMean)), e.g. rail_gate_mean 5") }
        if let explorationBonus, !(explorationBonus.isFinite && (0...1).contains(explorationBonus)) {
            throw bad("exploration_bonus must lie in [0, 1] V (got \(explorationBonus)), e.g. exploration_bonus 0.05")
        }
        if let advantageKappa, !(advantageKappa.isFinite && advantageKappa >= 0 && advantageKappa < 1) {
            throw bad("advantage_kappa must lie in [0, 1) (got \(advantageKappa)), e.g. advantage_kappa 0.5")
        }
        if let bonusCells, !(1...1_000).contains(bonusCells) { throw bad("bonus_cells must be 1...1000 (got \(bonusCells)), e.g. bonus_cells 10") }
    }

    /// ``validate()``, and that the code fits `environment`: the rbf-joint code's centers^d inputs
    /// stay within 4,096.
    public func validate(for environment: any ContinuousEnvironment) throws {
        try validate()
        if encoding == .rbfJoint, pow(Double(centers), Double(environment.stateDimension)) > 4_096 {
            throw LearningError.invalidHyperparameter(
                "the rbf-joint code has centers^dimension inputs; \(centers)^\(environment.stateDimension) exceeds 4096: lower centers or use encoding rbf")
        }
        // Draws are clipped to the gate bounds: a mean outside them starts every gate at a bound.
        let bounds = network(for: environment).gateBounds
        for (key, mean) in [("initial_gate_mean", initialGateMean), ("rail_gate_mean", railGateMean)] {
            if let mean, !bounds.contains(mean) {
                throw LearningError.invalidHyperparameter(
                    "\(key) \(mean) V lies outside the network's gate bounds [\(bounds.lowerBound), \(bounds.upperBound)] V, so every such gate would start clipped at a bound; give a mean within them, e.g. \(key) 1.5")
            }
        }
    }

    /// The rail's voltage (``railVoltage``, default ``rail``).
    public var railLevel: Double { railVoltage ?? Self.rail }

    /// The network for `environment`: the code's inputs plus the rail (the last input), the
    /// hidden layers, one output per action, each layer dense to the next (``Generators/layeredDense(layers:periodic:inputs:outputs:states:)``).
    public func network(for environment: any ContinuousEnvironment) -> Topology {
        let inputs = encoding.width(dimension: environment.stateDimension, centers: centers) + 1
        let layers = [inputs] + hidden + [environment.actionCount]
        let total = layers.reduce(0, +)
        var t = Generators.layeredDense(
            layers: layers, inputs: Array(0..<inputs), outputs: Array((total - environment.actionCount)..<total))
        t.name = "\(environment.name)-\(encoding.rawValue)-" + layers.map(String.init).joined(separator: "-")
        return t
    }

    /// Default voltage of the rail input.
    public static let rail = 0.5
}

/// Visit counts of the host's exploration bonus (``ContinuousQLearningConfig/explorationBonus``):
/// the state's [0, 1] code (``ContinuousEnvironment/encoding(_:range:)``) cut into `cells` equal
/// bins per component, one count per (cell, action). The bonus of a visit is β/√N with N the
/// count after it: β on the first visit, falling as 1/√N.
public struct ExplorationCounts: Sendable {
    public let cells: Int
    public let actions: Int
    public let beta: Double
    private var counts: [Int: Int] = [:]

    public init(cells: Int, actions: Int, beta: Double) {
        self.cells = cells
        self.actions = actions
        self.beta = beta
    }

    /// The (cell, action) key of `unit`, a state on [0, 1] per component.
    public func key(unit: [Double], action: Int) -> Int {
        unit.reduce(0) { $0 * cells + min(Int($1 * Double(cells)), cells - 1) } * actions + action
    }

    /// Counts a visit to (`unit`, `action`) and returns its bonus β/√N.
    public mutating func visit(unit: [Double], action: Int) -> Double {
        let k = key(unit: unit, action: action)
        let n = (counts[k] ?? 0) + 1
        counts[k] = n
        return beta / Double(n).squareRoot()
    }

    /// Visits counted at (`unit`, `action`).
    public func count(unit: [Double], action: Int) -> Int { counts[key(unit: unit, action: action)] ?? 0 }
}

/// One point of a continuous learning curve.
public struct ContinuousPoint: Sendable, Codable, Hashable {
    public var step: Int
    /// Mean return of ``ContinuousQLearningConfig/evaluationEpisodes`` greedy episodes.
    public var greedyReturn: Double
    /// Mean return of the last 100 training episodes (nil before the first ends).
    public var trainingReturn: Double?
    enum CodingKeys: String, CodingKey { case step, greedyReturn = "greedy_return", trainingReturn = "training_return" }
}

/// The outcome of one continuous-task trial.
public struct ContinuousTrialResult: Sendable, Codable, Hashable {
    public var trial: Int
    public var seed: UInt64
    public var steps: Int
    public var curve: [ContinuousPoint]
    /// Mean return of ``ContinuousEnvironment/solvedEpisodes`` greedy episodes after training.
    public var finalGreedyReturn: Double
    /// Mean return of the last 100 training episodes (ε-greedy, as the agent learned).
    public var lastTrainingReturn: Double?
    public var episodes: Int
    /// The final greedy return reaches ``ContinuousEnvironment/solvedReturn``.
    public var solved: Bool
    public var finalGates: [Double]
    /// Gates at the lower / upper bound at the end (saturation).
    public var gatesAtMinimum: Int
    public var gatesAtMaximum: Int
    /// Mean over the final greedy episodes' states of max_a Q − min_a Q (V): how far apart the
    /// outputs the greedy choice compares are.
    public var meanActionGap: Double
    public var wallSeconds: Double
    public var freeSolves: Int
    public var clampedSolves: Int

    enum CodingKeys: String, CodingKey {
        case trial, seed, steps, curve, episodes, solved, finalGreedyReturn = "final_greedy_return"
        case lastTrainingReturn = "last_100_training_return", finalGates = "final_gates", gatesAtMinimum = "gates_at_min"
        case gatesAtMaximum = "gates_at_max", meanActionGap = "mean_action_gap", wallSeconds = "wall_s"
        case freeSolves = "free_solves", clampedSolves = "clamped_solves"
    }
}

/// Q-learning of a CLLN on a ``ContinuousEnvironment``: the per-action readout (output a is
/// Q(s, a)), the state held on the inputs as ``ContinuousEncoding``, and the local rule of the
/// tabular trainer (``LocalRuleAccumulator``) with the TD target through the clamp.
///
/// Values live on the outputs' [0, 1] V: a step is worth `u` and a terminated episode `τ`, with
/// (u, τ) = (1, 0) for tasks whose termination is a failure (CartPole) and (0, 1) for tasks whose
/// termination is the goal (MountainCar), so `Q* ∈ [0, 1]` (1 − γᵏ and γᵏ for k steps to the
/// end). Each step takes action a ε-greedily on the free outputs, then clamps output a at
/// `(1 − η)·F_a + η·T` with `T = (1 − γ)·u + γ·(terminated ? τ : max_a′ F_a′(s′))` (a truncated
/// episode bootstraps) and the other outputs at their free values. A batch of B steps is solved
/// and applied as in ``QLearningTrainer``. Greedy evaluations draw from their own generator
/// (seed, stream 1 + point), so they do not disturb training.
public final class ContinuousQLearningTrainer {
    public let environment: any ContinuousEnvironment
    public let config: ContinuousQLearningConfig
    public let topology: Topology
    private let solver: any EquilibriumSolver
    private let clampedSolver: any EquilibriumSolver
    private let readNoise: Double
    private let clampedNodes: [Int]

    public init(environment: any ContinuousEnvironment, config: ContinuousQLearningConfig, solver: any EquilibriumSolver,
                clampedSolver: (any EquilibriumSolver)? = nil, readNoise: Double = 0) throws {
        try config.validate(for: environment)
        try environment.validate()
        self.environment = environment
        self.config = config
        topology = config.network(for: environment)
        guard solver.topology.edgeCount == topology.edgeCount, solver.topology.nodeCount == topology.nodeCount else {
            throw LearningError.mismatch("the solver's network is not config.network(for: \(environment.name))")
        }
        self.solver = solver
        self.clampedSolver = clampedSolver ?? solver
        self.readNoise = readNoise
        clampedNodes = topology.inputs + topology.outputs
    }

    /// Value of a step and of a terminated episode on the outputs' [0, 1] V (see the type's doc).
    public var stepValue: Double { environment.terminationIsSuccess ? 0 : 1 }
    public var terminalValue: Double { environment.terminationIsSuccess ? 1 : 0 }

    /// The held inputs of `state`: the code, then the rail.
    public func inputs(_ state: [Double]) -> HeldNodes {
        HeldNodes(
            nodes: topology.inputs,
            values: config.encoding.code(state, environment: environment, centers: config.centers) + [config.railLevel])
    }

    /// The TD target (see the type's doc).
    public func target(reward: Double, terminated: Bool, nextOutputs: [Double]) -> Double {
        (1 - config.gamma) * stepValue + config.gamma * (terminated ? terminalValue : nextOutputs.max()!)
    }

    /// The initial parameters, one Gaussian draw per edge in edge order: gate mean + spread·N(0, 1),
    /// the mean ``ContinuousQLearningConfig/railGateMean`` on the rail's edges (else
    /// ``ContinuousQLearningConfig/initialGateMean``), clipped to the gate bounds.
    public func initialGates(rng: inout SeededGenerator) -> [Double] {
        let rail = topology.inputs.last!
        return topology.edges.map { edge -> Double in
            let mean = edge.a == rail || edge.b == rail ? config.railGateMean ?? config.initialGateMean : config.initialGateMean
            let u = mean + config.initialGateSpread * rng.gaussian()
            return edge.element.model.initialParameter(gate: min(max(u, topology.gateBounds.lowerBound), topology.gateBounds.upperBound))
        }
    }

    /// `target` less κ·(max_b Q(s, b) − Q(s, a)) for action `action` in a state whose free outputs
    /// are `outputs` (``ContinuousQLearningConfig/advantageKappa``; `target` itself without κ).
    public func advantageTarget(_ target: Double, outputs: [Double], action: Int) -> Double {
        guard let kappa = config.advantageKappa, kappa > 0 else { return target }
        return target - kappa * (outputs.max()! - outputs[action])
    }

    /// Trains trial `trial` from (seed, trial); `progress` gets the steps done since its last call.
    public func run(trial: Int, seed: UInt64, progress: (Int) -> Void = { _ in }) throws -> ContinuousTrialResult {
        let start = DispatchTime.now().uptimeNanoseconds
        var rng = SeededGenerator(seed: seed, stream: UInt64(trial))
        var noiseRNG = SeededGenerator(seed: seed ^ 0x5EED_0F_0015E, stream: UInt64(trial))
        var gates = initialGates(rng: &rng)
        let outputs = topology.outputs, actions = environment.actionCount, rule = config.rule
        var freeSolves = 0, clampedSolves = 0
        var accumulator = LocalRuleAccumulator(edgeCount: topology.edgeCount)
        var counts = (config.explorationBonus ?? 0) > 0
            ? ExplorationCounts(cells: config.bonusCells ?? 10, actions: actions, beta: config.explorationBonus!) : nil
        var lastSolution: [Double]?
        func free(_ state: [Double]) throws -> [Double] {
            let v = try solver.voltagesRetryingCold(parameters: gates, held: inputs(state), warmStart: lastSolution)
            freeSolves += 1
            lastSolution = v
            return reading(v, readNoise: readNoise, rng: &noiseRNG)
        }
        func greedy(_ v: [Double]) -> Int { argmax(v, outputs) }

        /// Mean return of `episodes` greedy episodes from stream `stream`, and the mean action gap.
        func evaluate(episodes: Int, stream: UInt64) throws -> (meanReturn: Double, gap: Double) {
            var evaluationRNG = SeededGenerator(seed: seed, stream: stream)
            var total = 0.0, gap = 0.0, visited = 0
            for _ in 0..<episodes {
                var state = environment.reset(rng: &evaluationRNG)
                for _ in 0..<environment.maxEpisodeSteps {
                    let v = try free(state)
                    let q = outputs.map { v[$0] }
                    gap += q.max()! - q.min()!
                    visited += 1
                    let result = environment.step(state: state, action: greedy(v), rng: &evaluationRNG)
                    total += result.reward
                    state = result.next
                    if result.terminated { break }
                }
            }
            return (total / Double(episodes), gap / Double(max(visited, 1)))
        }

        var returns: [Double] = []
        func recentReturn() -> Double? { returns.isEmpty ? nil : returns.suffix(100).reduce(0, +) / Double(min(returns.count, 100)) }
        let measureAt = config.measurementSteps
        var curve = [ContinuousPoint(step: 0, greedyReturn: try evaluate(episodes: config.evaluationEpisodes, stream: 1).meanReturn, trainingReturn: nil)]
        var state = environment.reset(rng: &rng)
        var length = 0, episodeReturn = 0.0
        var current = try free(state)
        var batchFree: [[Double]] = [], batchClamps: [HeldNodes] = []
        var lastProgress = 0
        for t in 1...config.steps {
            let action = rng.uniform() < config.epsilon(at: t - 1) ? rng.index(actions) : greedy(current)
            let result = environment.step(state: state, action: action, rng: &rng)
            length += 1
            episodeReturn += result.reward
            let next = result.terminated ? nil : try free(result.next)
            var target = target(reward: result.reward, terminated: result.terminated, nextOutputs: next.map { v in outputs.map { v[$0] } } ?? [])
            if counts != nil { target = min(target + counts!.visit(unit: environment.encoding(state, range: 0...1), action: action), 1) }
            target = advantageTarget(target, outputs: outputs.map { current[$0] }, action: action)
            let clamps = outputs.indices.map { $0 == action ? (1 - rule.eta) * current[outputs[$0]] + rule.eta * target : current[outputs[$0]] }
            batchFree.append(current)
            batchClamps.append(HeldNodes(nodes: clampedNodes, values: inputs(state).values + clamps))
            let ended = result.terminated || length >= environment.maxEpisodeSteps
            if ended {
                returns.append(episodeReturn)
                (length, episodeReturn) = (0, 0)
                state = environment.reset(rng: &rng)
            } else {
                state = result.next
            }
            if t % rule.batchSize == 0 || t == config.steps {
                let solved = try clampedSolver.solveBatch(parameters: gates, held: batchClamps, warmStarts: batchFree)
                clampedSolves += solved.count
                let sensitivities = LocalRuleAccumulator.sensitivities(topology: topology, parameters: gates)
                for (f, c) in zip(batchFree, solved) {
                    accumulator.accumulate(
                        topology: topology, sensitivities: sensitivities, free: f, clamped: reading(c.voltages, readNoise: readNoise, rng: &rng),
                        rule: rule)
                }
                accumulator.apply(to: &gates, topology: topology, rule: rule)
                batchFree.removeAll(keepingCapacity: true)
                batchClamps.removeAll(keepingCapacity: true)
                current = try free(state)  // the gates changed
            } else {
                current = ended ? try free(state) : next!
            }
            if curve.count < measureAt.count, t == measureAt[curve.count] {
                let point = try evaluate(episodes: config.evaluationEpisodes, stream: 1 + UInt64(curve.count))
                curve.append(ContinuousPoint(step: t, greedyReturn: point.meanReturn, trainingReturn: recentReturn()))
            }
            if t - lastProgress >= 1000 || t == config.steps {
                progress(t - lastProgress)
                lastProgress = t
            }
        }
        let final = try evaluate(episodes: environment.solvedEpisodes, stream: 0xF1A1)
        let bounds = topology.gateBounds
        return ContinuousTrialResult(
            trial: trial, seed: seed, steps: config.steps, curve: curve, finalGreedyReturn: final.meanReturn,
            lastTrainingReturn: recentReturn(), episodes: returns.count, solved: final.meanReturn >= environment.solvedReturn,
            finalGates: gates, gatesAtMinimum: gates.filter { $0 <= bounds.lowerBound + 1e-9 }.count,
            gatesAtMaximum: gates.filter { $0 >= bounds.upperBound - 1e-9 }.count, meanActionGap: final.gap,
            wallSeconds: Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9, freeSolves: freeSolves, clampedSolves: clampedSolves)
    }
}
