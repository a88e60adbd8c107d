import Foundation

/// The physical parameters of co-simulated Q-learning (config keys in brackets).
public struct CosimParameters: Codable, Sendable, Hashable {
    /// C_g, farads per gate capacitor [`gate_capacitance`].
    public var gateCapacitance = 1e-9
    /// t_settle, seconds each free or clamped phase lasts [`t_settle`].
    public var settleTime = 1e-6
    /// t_learn, seconds the learning currents flow at a batch's end [`t_learn`].
    public var learnTime = 1e-6
    /// Siemens from each gate to ground: the capacitor's leakage [`gate_leakage`].
    public var gateLeakage = 0.0
    /// Ohms between a held source and its node: the switch [`switch_resistance`].
    public var switchResistance = 1e-3
    /// Farads from each node to ground [`node_capacitance`].
    public var nodeCapacitance = 1e-12

    enum CodingKeys: String, CodingKey, CaseIterable {
        case gateCapacitance = "gate_capacitance", settleTime = "t_settle", learnTime = "t_learn", gateLeakage = "gate_leakage"
        case switchResistance = "switch_resistance", nodeCapacitance = "node_capacitance"
    }

    public init() {}

    public init(from decoder: Decoder) throws {
        try rejectUnknownKeys(in: decoder, known: CodingKeys.allCases.map(\.rawValue), what: "the co-simulation parameters")
        try self.init(values: try decoder.container(keyedBy: CodingKeys.self))
    }

    /// The parameters in `c`, defaults for those it lacks.
    init(values c: KeyedDecodingContainer<CodingKeys>) throws {
        let d = CosimParameters()
        gateCapacitance = try c.decodeIfPresent(Double.self, forKey: .gateCapacitance) ?? d.gateCapacitance
        settleTime = try c.decodeIfPresent(Double.self, forKey: .settleTime) ?? d.settleTime
        learnTime = try c.decodeIfPresent(Double.self, forKey: .learnTime) ?? d.learnTime
        gateLeakage = try c.decodeIfPresent(Double.self, forKey: .gateLeakage) ?? d.gateLeakage
        switchResistance = try c.decodeIfPresent(Double.self, forKey: .switchResistance) ?? d.switchResistance
        nodeCapacitance = try c.decodeIfPresent(Double.self, forKey: .nodeCapacitance) ?? d.nodeCapacitance
    }

    /// Throws ``CosimError/invalidParameter(_:)`` naming the key for a NaN, infinite, negative
    /// or (where it must be positive) zero value.
    public func validate() throws {
        func check(_ value: Double, _ key: String, _ example: String, zeroAllowed: Bool = false) throws {
            guard value.isFinite, zeroAllowed ? value >= 0 : value > 0 else {
                throw CosimError.invalidParameter(
                    "\(key) must be a finite number \(zeroAllowed ? "≥ 0" : "> 0") (got \(value)), e.g. \(key) \(example)")
            }
        }
        try check(gateCapacitance, "gate_capacitance", "1e-9")
        try check(settleTime, "t_settle", "1e-6")
        try check(learnTime, "t_learn", "1e-6")
        try check(gateLeakage, "gate_leakage", "0", zeroAllowed: true)
        try check(switchResistance, "switch_resistance", "1e-3")
        try check(nodeCapacitance, "node_capacitance", "1e-12")
    }

    /// The netlist form with these values; `switched` are the nodes behind clamp switches.
    func circuit(switched: [Int]) -> CosimulationCircuit {
        CosimulationCircuit(gateCapacitance: gateCapacitance, gateLeakage: gateLeakage, nodeCapacitance: nodeCapacitance,
                            switchResistance: switchResistance, switchedNodes: switched)
    }
}

/// Co-simulation set-ups that cannot run. Bad input: each message names the key or flag and the fix.
public enum CosimError: InputError, Equatable {
    case invalidParameter(String)
    case unsupported(String)

    public var description: String {
        switch self {
        case let .invalidParameter(why): "invalid co-simulation parameter: \(why)"
        case let .unsupported(why): "cannot co-simulate: \(why)"
        }
    }
}

/// Energy drawn from the sources, in joules, by what it was spent on.
public struct CosimEnergy: Codable, Sendable, Hashable {
    /// Delivered by the state and clamp sources while free phases (inferences) ran.
    public var inference = 0.0
    /// Delivered by the state and clamp sources while clamped phases ran.
    public var clamped = 0.0
    /// Handled by the learning current sources: ∫ Σ_e |V_g,e · I_e| dt, the energy moved into or
    /// out of the gate capacitors (a gate that discharges counts too; the net is near zero).
    public var learning = 0.0

    public init() {}
}

/// What a co-simulated trial records for its plots: the waveforms of its first and last
/// ``CosimTrace/windowSteps`` RL steps (every accepted time point, only inside those windows, so
/// memory stays flat however long the trial) and the energy of every batch.
public struct CosimTrace: Codable, Sendable, Hashable {
    /// RL steps per window.
    public static let windowSteps = 3

    /// The kind of a phase, as the plots mark it.
    public enum PhaseKind: String, Codable, Sendable {
        /// A free phase: a state presented, the outputs read (an inference).
        case free
        /// A clamped phase: the state re-imposed with the acted output clamped.
        case clamped
        /// A batch's learning phase: the learning currents charge the gate capacitors.
        case learn
    }

    /// Where a phase starts inside a window.
    public struct PhaseMark: Codable, Sendable, Hashable {
        public var kind: PhaseKind
        /// The RL step the phase belongs to (for `learn`, the batch's last step).
        public var step: Int
        /// Simulated seconds since the trial started.
        public var start: Double
    }

    /// Every accepted time point of a few consecutive RL steps.
    public struct Window: Codable, Sendable, Hashable {
        /// Simulated seconds since the trial started, one per point.
        public var time: [Double] = []
        /// Node voltages (V) at each point, node `i` at index `i`.
        public var nodes: [[Double]] = []
        /// Gate voltages (V) at each point, edge `e` at index `e`.
        public var gates: [[Double]] = []
        public var phases: [PhaseMark] = []
    }

    /// One batch's energy per phase, in joules.
    public struct BatchEnergy: Codable, Sendable, Hashable {
        /// The step the batch ends at (exclusive).
        public var step: Int
        /// Per free phase (inference), per clamped phase, and of the batch's update.
        public var inference: Double
        public var clamped: Double
        public var update: Double
    }

    /// The trial's first and last ``windowSteps`` steps (the last one includes the final batch's learning phase).
    public var start = Window()
    public var end = Window()
    public var energy: [BatchEnergy] = []

    public init() {}
}

/// The outcome of one co-simulated trial: the Q-learning result plus what time and energy it took.
public struct CosimTrialResult: Codable, Sendable, Hashable {
    public var training: TrialResult
    /// Simulated seconds of the whole trial.
    public var simulatedSeconds: Double
    /// ngspice's accepted time points.
    public var timePoints: Int
    /// Free phases (inferences: steps, targets and policy probes) and learning phases (batches).
    public var freePhases: Int
    public var learningPhases: Int
    public var energy: CosimEnergy
    /// Waveforms of the first and last steps and the energy of every batch, for the plots.
    public var trace: CosimTrace

    enum CodingKeys: String, CodingKey {
        case training, simulatedSeconds = "simulated_s", timePoints = "time_points", freePhases = "free_phases"
        case learningPhases = "learning_phases", energy, trace
    }
}

/// Everything needed to continue a co-simulated trial: taken at batch ends, after the learning phase.
public struct CosimCheckpoint: Codable, Sendable, Hashable {
    public var result: CosimTrialResult
    public var step: Int
    public var state: Int
    public var rng: SeededGenerator
    public var rewardSum: Double
    public var rewardCount: Int
    /// The circuit's state: node voltages then gate voltages.
    public var capacitorVoltages: [Double]
}

/// Q-learning (the adapter of ``QLearningTrainer``) with the network as a circuit in simulated
/// time: one ngspice transient analysis per batch (``TransientSession``) on the network's
/// co-simulation netlist (``CosimulationCircuit``), whose state, gate and clamp sources the
/// controller sets at phase boundaries.
///
/// **Per step t** (each phase lasts `t_settle`): present S_t (free phase; skipped when the
/// previous step's target phase just presented it), read the outputs, act (ε-greedy), take the
/// reward and S_{t+1}; present S_{t+1} to read F(S_{t+1}) and form the target
/// L = R + γ(max F − mean F) (the clamped phase needs it, so it follows: the reference's
/// backtracking); re-impose S_t with the acted output clamped to (1 − η)·F + η·L and the others
/// at their free values; the controller samples every edge's ΔV_F and ΔV_C (sample-and-hold).
///
/// **Learning, at batch ends** (every B steps, as the reference): the per-step terms
/// (α/η)·w·(ΔV_F² − ΔV_C²) are accumulated (``LocalRuleAccumulator``) and then flow as one
/// current per gate, I_e = C_g·Δ_e/t_learn for `t_learn`, where Δ_e is the accumulated update
/// clipped to ±DGC and to the gate bounds from the gate's measured voltage — the per-step
/// current (C_g·α/η)(ΔV_F² − ΔV_C²)/t_learn of each step, summed over the batch. The gates are
/// the capacitors' voltages: the circuit's state, never written by the host; without leakage a
/// gate moves by Δ_e exactly (a constant current into a capacitor).
///
/// **Numerical contract.** With `t_settle` ≫ the network's RC time, each phase ends at the
/// operating point the quasi-static backend solves (to ngspice's transient tolerances), so the
/// trial follows the quasi-static SPICE trainer's trajectory: same random draws in the same
/// order, the same policies and gates to ~1e-6 V unless an argmax is within that of a tie.
/// Policy probes (every state's free phase, under the batch's gates) run at the start of a batch
/// that holds a measurement step and after the last batch. Reference quirk, twin networks, read
/// noise and non-MOSFET edges are not supported (``CosimError/unsupported(_:)``).
public final class CosimQLearningTrainer {
    public let topology: Topology
    public let environment: any TabularEnvironment
    public let config: QLearningConfig
    public let parameters: CosimParameters
    private let netlistOptions: NetlistOptions
    private let engine: NgspiceEngine?
    private let held: [Int]
    private let encodings: [[Double]]

    public init(
        topology: Topology, environment: any TabularEnvironment, config: QLearningConfig, parameters: CosimParameters,
        model: ModelCard, mismatch: DeviceMismatch? = nil, engine: NgspiceEngine? = nil
    ) throws {
        try config.validate()
        try parameters.validate()
        try environment.validate()
        try Self.checkSupported(topology: topology, environment: environment, config: config)
        self.topology = topology
        self.environment = environment
        self.config = config
        self.parameters = parameters
        self.engine = engine
        held = topology.inputs + topology.outputs
        encodings = try (0..<topology.states.count).map { try topology.freeHeld(state: $0).values }
        var options = NetlistOptions(
            model: model, gateStyle: .sources, spiceOptions: NetlistOptions(model: model).spiceOptions + " " + Self.transientOptions,
            includeAnalysis: false)
        options.mismatch = mismatch
        options.cosimulation = parameters.circuit(switched: topology.outputs)
        netlistOptions = options
    }

    /// Added to the quasi-static `.options`: gear integration (sources jump at every boundary
    /// and the switches are stiff, where the trapezoidal rule rings), and a truncation-error
    /// tolerance 100/7 times looser than ngspice's default (`trtol` scales only the time-step
    /// control, not Newton's reltol test, so every phase still ends on the operating point to
    /// reltol; measured on a 2,000-step four-state trial: 36 instead of 83 time points per RL
    /// step, final gates 1.3e-4 V from the quasi-static trainer's instead of 2.3e-6 V).
    public static let transientOptions = "method=gear trtol=100"

    /// The first time step after a boundary, as a fraction of the phase (30 ns at the default
    /// 1 µs: tens of node RC times of the presets; gear's truncation-error test then sizes the
    /// steps). Measured on a 2,000-step four-state trial: 25 instead of 28 time points per RL step
    /// at 1e-2 (with ``settleJump``), the same final gates to 1e-7 V.
    public static let firstStepFraction = 3e-2

    /// ``TransientSession/Options/settleJump``: once the circuit has settled (every capacitor
    /// would drift less than 1 µV over the rest of the phase), the next step is proposed to the
    /// phase's end — one step instead of ngspice's doublings (36 → 28 time points per RL step,
    /// final gates unchanged to 3e-8 V on 2,000 four-state steps at t_settle 1 µs, 20 ns and 5 ns).
    public static let settleJump = 1e-6

    /// Throws unless the network, task and settings can be co-simulated.
    public static func checkSupported(topology: Topology, environment: any TabularEnvironment, config: QLearningConfig) throws {
        try topology.validate()
        try QLearningTrainer.checkFit(topology: topology, environment: environment)
        if let e = topology.edges.firstIndex(where: { $0.element != .mosfet }) {
            throw CosimError.unsupported(
                "edge \(e) is a \(topology.edges[e].element.name); co-simulation charges MOSFET gates: use mosfet edges only")
        }
        if config.referenceQuirk { throw CosimError.unsupported("reference_quirk measures with host-side solves; set it to false") }
    }

    /// What the controller presents during one phase.
    private enum Phase: Equatable {
        /// A state's free phase to read the greedy policy.
        case probe(Int)
        /// Step t's own free phase (batch start, or after an environment reset).
        case free(Int)
        /// Step t's next state, free: its outputs form step t's target (and are step t+1's free phase).
        case next(Int)
        /// Step t's clamped phase.
        case clamp(Int)
        case learn
    }

    /// Runs trial `trial` from (seed, trial), or continues `resume`; `checkpoint` is called at
    /// batch ends every `checkpointEvery` steps, `progress` with the steps done since its last call.
    public func run(
        trial: Int, seed: UInt64, resume: CosimCheckpoint? = nil, checkpointEvery: Int = 10_000,
        checkpoint: (CosimCheckpoint) throws -> Void = { _ in }, progress: (Int) -> Void = { _ in },
        observe: ((Double, [Double]) -> Void)? = nil
    ) throws -> CosimTrialResult {
        let start = DispatchTime.now().uptimeNanoseconds
        let (n, edges, states) = (topology.nodeCount, topology.edgeCount, environment.stateCount)
        var rng = SeededGenerator(seed: seed, stream: UInt64(trial))
        let initialGates = QLearningTrainer.initialGates(topology: topology, config: config, rng: &rng)
        var state = rng.index(states)
        var t = 0
        var rewardSum = 0.0
        var rewardCount = 0
        var result = CosimTrialResult(
            training: TrialResult(trial: trial, seed: seed, policy: [], reward: 0, finalGates: initialGates, finalOutputs: [],
                                  curve: [], wallSeconds: 0, freeSolves: 0, clampedSolves: 0),
            simulatedSeconds: 0, timePoints: 0, freePhases: 0, learningPhases: 0, energy: CosimEnergy(), trace: CosimTrace())
        var startState: [Double]? = nil
        if let resume {
            guard resume.result.training.trial == trial, resume.result.training.seed == seed,
                resume.capacitorVoltages.count == n + edges
            else { throw LearningError.checkpoint("the checkpoint belongs to another trial, seed or topology") }
            (result, t, state, rng) = (resume.result, resume.step, resume.state, resume.rng)
            (rewardSum, rewardCount, startState) = (resume.rewardSum, resume.rewardCount, resume.capacitorVoltages)
        }
        let (previousWall, simulatedOffset, pointsOffset) = (result.training.wallSeconds, result.simulatedSeconds, result.timePoints)
        func elapsed() -> Double { previousWall + Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9 }

        let session = try makeSession(gates: Array((startState ?? (Array(repeating: 0, count: n) + initialGates))[n...]))
        if let startState { try session.setState(startState) }
        let measureAt = Set(config.measurementSteps)
        let rule = config.rule
        let weight = config.stepWeight(stateCount: states)
        let outputs = topology.outputs
        let (ts, tl, cg) = (parameters.settleTime, parameters.learnTime, parameters.gateCapacitance)
        let clampIndex = held.count
        var accumulator = LocalRuleAccumulator(edgeCount: edges)
        var lastCheckpoint = t
        var lastProgress = t
        var current: Phase = .learn

        /// Sets the sources for presenting `encoding` (clamp open, or closed at `clamp`).
        func present(_ encoding: [Double], clamp: [Double]? = nil) {
            for i in encoding.indices { session.voltages[i] = encoding[i] }
            for (o, _) in outputs.enumerated() { session.voltages[encoding.count + o] = clamp?[o] ?? 0 }
            session.voltages[clampIndex] = clamp == nil ? 0 : 1
            for e in 0..<edges { session.currents[e] = 0 }
        }
        // Power delivered by the held sources (−V·I of each) and handled by the learning sources (|V_g·I|),
        // integrated by the trapezoidal rule over the accepted points, per phase kind.
        var lastPoint: (time: Double, source: Double, learning: Double)? = nil
        // The plots' windows: the first and the last few steps; `window` is the one the current phase lies in.
        let startWindow = 0..<min(CosimTrace.windowSteps, config.steps)
        let endWindow = max(0, config.steps - CosimTrace.windowSteps)..<config.steps
        var window: WindowEnd? = nil
        let branchBase = n + edges
        let energyObserver: (Double, [Double]) -> Void = { time, values in
            var source = 0.0
            for (j, _) in self.held.enumerated() { source -= session.voltages[j] * values[branchBase + j] }
            var learning = 0.0
            for e in 0..<edges { learning += abs(values[n + e] * session.currents[e]) }
            if let last = lastPoint {
                let dt = time - last.time
                switch current {
                case .clamp: result.energy.clamped += 0.5 * dt * (source + last.source)
                case .learn: result.energy.learning += 0.5 * dt * (learning + last.learning)
                default: result.energy.inference += 0.5 * dt * (source + last.source)
                }
            }
            lastPoint = (time, source, learning)
            switch window {
            case .start?: Self.record(time, values, nodes: n, edges: edges, into: &result.trace.start)
            case .end?: Self.record(time, values, nodes: n, edges: edges, into: &result.trace.end)
            case nil: break
            }
            observe?(time, values)
        }

        var probeOutputs = [[Double]](repeating: [], count: states)
        func greedy() -> [Int] { probeOutputs.map { argmax($0, Array($0.indices)) } }

        while t < config.steps {
            let t0 = t
            let t1 = min(t0 + rule.batchSize, config.steps)
            var plan: [Phase] = []
            if (t0..<t1).contains(where: measureAt.contains) { plan += (0..<states).map(Phase.probe) }
            let resets = { (j: Int) in self.environment.resetPeriod.map { j % $0 == 0 } ?? false }
            for j in t0..<t1 {
                if j == t0 || resets(j) { plan.append(.free(j)) }
                plan += [.next(j), .clamp(j)]
            }
            plan.append(.learn)

            // Per step of the batch: its state, free reading, action, next state, clamp.
            var stepState: [Int: Int] = [:]
            var freeReading: [Int: [Double]] = [:]
            var nextState: [Int: Int] = [:]
            var actions: [Int: Int] = [:]
            var rewards: [Int: Double] = [:]
            var clampValues: [Int: [Double]] = [:]

            func decide(_ j: Int, free reading: [Double]) {
                if measureAt.contains(j) {
                    let policy = greedy()
                    result.training.curve.append(Measurement(
                        step: j, runningAverageReward: rewardCount > 0 ? rewardSum / Double(rewardCount) : .nan, policy: policy,
                        policyReward: environment.exactAverageReward(policy: policy), gates: Array(reading[n..<(n + edges)])))
                    rewardSum = 0
                    rewardCount = 0
                }
                let s = stepState[j]!
                freeReading[j] = reading
                let action = rng.uniform() < config.epsilon(at: j) ? rng.index(environment.actionCount) : argmax(reading, outputs)
                let reward = environment.meanReward(state: s, action: action)
                    + (environment.rewardNoise > 0 ? environment.rewardNoise * rng.gaussian() : 0)
                actions[j] = action
                nextState[j] = environment.nextState(state: s, action: action)
                rewardSum += reward
                rewardCount += 1
                rewards[j] = reward
            }

            func enter(_ phase: Phase, after reading: TransientSession.Reading?) {
                current = phase
                let (kind, step): (CosimTrace.PhaseKind?, Int) = switch phase {
                case .probe: (nil, -1)
                case let .free(j), let .next(j): (.free, j)
                case let .clamp(j): (.clamped, j)
                case .learn: (.learn, t1 - 1)
                }
                window = kind == nil ? nil : endWindow.contains(step) ? .end : startWindow.contains(step) ? .start : nil
                if let kind, let window {
                    let mark = CosimTrace.PhaseMark(kind: kind, step: step, start: reading?.time ?? session.time)
                    if window == .start { result.trace.start.phases.append(mark) } else { result.trace.end.phases.append(mark) }
                }
                switch phase {
                case let .probe(s):
                    present(encodings[s])
                    result.freePhases += 1
                case let .free(j):
                    if resets(j) { state = rng.index(states) }
                    stepState[j] = state
                    present(encodings[state])
                    result.freePhases += 1
                case let .next(j):
                    present(encodings[nextState[j]!])
                    result.freePhases += 1
                case let .clamp(j):
                    present(encodings[stepState[j]!], clamp: clampValues[j]!)
                case .learn:
                    present(encodings[0].map { _ in 0 })
                    // The gates as measured now; the accumulated update, clipped as the
                    // quasi-static trainer clips it, becomes a charge C_g·Δ delivered in t_learn.
                    let measured = Array(reading!.values[n..<(n + edges)])
                    var target = measured
                    accumulator.apply(to: &target, topology: topology, rule: rule)
                    for e in 0..<edges { session.currents[e] = cg * (target[e] - measured[e]) / tl }
                    result.learningPhases += 1
                }
            }

            func finish(_ phase: Phase, _ reading: TransientSession.Reading) {
                switch phase {
                case let .probe(s):
                    probeOutputs[s] = outputs.map { reading.values[$0] }
                case let .free(j):
                    decide(j, free: reading.values)
                case let .next(j):
                    let free = freeReading[j]!
                    let target = QLearningTrainer.target(
                        reward: rewards[j]!, nextOutputs: outputs.map { reading.values[$0] }, gamma: config.gamma)
                    clampValues[j] = outputs.enumerated().map { o, node in
                        o == actions[j]! ? (1 - rule.eta) * free[node] + rule.eta * target : free[node]
                    }
                    state = nextState[j]!
                    if j + 1 < t1, !resets(j + 1) {
                        stepState[j + 1] = state
                        decide(j + 1, free: reading.values)
                    }
                case let .clamp(j):
                    let sensitivities = LocalRuleAccumulator.sensitivities(
                        topology: topology, parameters: Array(reading.values[n..<(n + edges)]))
                    accumulator.accumulate(
                        topology: topology, sensitivities: sensitivities, free: freeReading[j]!, clamped: reading.values,
                        rule: rule, weight: weight)
                    result.training.clampedSolves += 1
                case .learn:
                    break
                }
            }

            let (energyBefore, freeBefore) = (result.energy, result.freePhases)
            enter(plan[0], after: nil)
            // The learning currents step at the learning phase's start: integration restarts there,
            // so that each gate takes exactly the charge C_g·Δ.
            let end = try session.run(
                segments: plan.map { $0 == .learn ? tl : ts }, restarting: [plan.count - 1],
                atBoundary: { k, reading in
                    finish(plan[k - 1], reading)
                    enter(plan[k], after: reading)
                }, observe: energyObserver)
            result.simulatedSeconds = simulatedOffset + end.time
            result.timePoints = pointsOffset + session.acceptedPoints
            result.training.freeSolves = result.freePhases
            result.trace.energy.append(CosimTrace.BatchEnergy(
                step: t1, inference: (result.energy.inference - energyBefore.inference) / Double(max(result.freePhases - freeBefore, 1)),
                clamped: (result.energy.clamped - energyBefore.clamped) / Double(t1 - t0),
                update: result.energy.learning - energyBefore.learning))
            t = t1
            for e in 0..<edges { session.currents[e] = 0 }
            let capacitors = Array(end.values[0..<(n + edges)])
            result.training.finalGates = Array(capacitors[n...])
            if t - lastCheckpoint >= checkpointEvery, t < config.steps {
                result.training.wallSeconds = elapsed()
                try checkpoint(CosimCheckpoint(
                    result: result, step: t, state: state, rng: rng, rewardSum: rewardSum, rewardCount: rewardCount,
                    capacitorVoltages: capacitors))
                lastCheckpoint = t
            }
            if t - lastProgress >= 1000 || t == config.steps {
                progress(t - lastProgress)
                lastProgress = t
            }
        }
        // The final policy: every state's free phase under the final gates.
        let probes = (0..<states).map(Phase.probe)
        current = probes[0]
        window = nil
        present(encodings[0])
        let end = try session.run(segments: probes.map { _ in ts }, atBoundary: { k, reading in
            probeOutputs[k - 1] = outputs.map { reading.values[$0] }
            current = probes[k]
            present(encodings[k])
        }, observe: energyObserver)
        probeOutputs[states - 1] = outputs.map { end.values[$0] }
        result.freePhases += states
        let policy = greedy()
        result.training.policy = policy
        result.training.reward = environment.exactAverageReward(policy: policy)
        result.training.finalOutputs = probeOutputs
        result.training.finalGates = Array(end.values[n..<(n + edges)])
        result.training.freeSolves = result.freePhases
        result.simulatedSeconds = simulatedOffset + end.time
        result.timePoints = pointsOffset + session.acceptedPoints
        result.training.wallSeconds = elapsed()
        return result
    }

    /// Which of ``CosimTrace``'s windows a phase lies in.
    private enum WindowEnd { case start, end }

    /// Appends one accepted point (node voltages, then gate voltages, in `values`) to `window`.
    private static func record(_ time: Double, _ values: [Double], nodes n: Int, edges: Int, into window: inout CosimTrace.Window) {
        window.time.append(time)
        window.nodes.append(Array(values[0..<n]))
        window.gates.append(Array(values[n..<(n + edges)]))
    }

    /// The session on the co-simulation netlist with gates at `gates`: records node voltages,
    /// gate voltages and the held sources' currents; its capacitors are the nodes' then the gates'.
    private func makeSession(gates: [Double]) throws -> TransientSession {
        let zeros = [Double](repeating: 0, count: topology.outputs.count)
        let clampedHeld = try topology.clampedHeld(state: 0, outputValues: zeros)
        let netlist = try NetlistCompiler.compile(
            topology, parameters: gates, held: clampedHeld, phaseLabel: "co-simulation", options: netlistOptions)
        let nodes = (0..<topology.nodeCount).map(SpiceNames.node)
        let gateNodes = (0..<topology.edgeCount).map { SpiceNames.gateNode(edge: $0) }
        let heldSources = held.map(SpiceNames.heldSource)
        var options = TransientSession.Options()
        options.engine = engine
        options.firstStepFraction = Self.firstStepFraction
        options.settleJump = Self.settleJump
        return try TransientSession(
            netlist: netlist.lines, probe: "@\(SpiceNames.gateCapacitor(edge: 0))[capacitance]",
            recorded: nodes + gateNodes + heldSources.map { "\($0)#branch" },
            voltageSources: heldSources + [SpiceNames.clampControl],
            currentSources: (0..<topology.edgeCount).map { SpiceNames.learningSource(edge: $0) },
            capacitors: nodes.indices.map { .init(name: SpiceNames.nodeCapacitor($0), positive: nodes[$0]) }
                + gateNodes.indices.map { .init(name: SpiceNames.gateCapacitor(edge: $0), positive: gateNodes[$0]) },
            options: options)
    }
}

/// A co-simulation config file (YAML or JSON): the Q-learning experiment (a preset or a
/// `clln train` config file, relative to this file) and the physical parameters; every key is
/// optional:
/// ```yaml
/// experiment: four-state       # four-state | navigation | a clln train config file
/// steps: 20000
/// trials: 10
/// gate_capacitance: 1e-9       # F
/// t_settle: 1e-6               # s per free or clamped phase
/// t_learn: 1e-6                # s of learning current per batch
/// gate_leakage: 0              # S from each gate to ground
/// switch_resistance: 1e-3      # Ω
/// node_capacitance: 1e-12      # F
/// ```
public struct CosimConfigFile: Decodable, Sendable {
    public var experiment: String?
    public var steps: Int?
    public var trials: Int?
    public var parameters: CosimParameters

    enum CodingKeys: String, CodingKey, CaseIterable { case experiment, steps, trials }

    public init(from decoder: Decoder) throws {
        let own = CodingKeys.allCases.map(\.rawValue)
        try rejectUnknownKeys(in: decoder, known: own + CosimParameters.CodingKeys.allCases.map(\.rawValue), what: "a co-simulation config")
        let c = try decoder.container(keyedBy: CodingKeys.self)
        experiment = try c.decodeIfPresent(String.self, forKey: .experiment)
        steps = try c.decodeIfPresent(Int.self, forKey: .steps)
        trials = try c.decodeIfPresent(Int.self, forKey: .trials)
        parameters = try CosimParameters(values: try decoder.container(keyedBy: CosimParameters.CodingKeys.self))
    }

    /// Reads a config file; a malformed one is ``CosimError/invalidParameter(_:)``.
    public static func load(_ url: URL) throws -> CosimConfigFile {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw TopologyFileError.unreadable(path: url.path, reason: error.localizedDescription)
        }
        return try decodeFile(data, path: url.path) { CosimError.invalidParameter("\(url.path) is not a valid co-simulation config: \($0)") }
    }

    /// The experiment this file names (default four-state), with its steps and trials applied.
    public func resolvedExperiment(relativeTo directory: URL) throws -> QLearningExperiment {
        let name = experiment ?? "four-state"
        var e: QLearningExperiment
        if let preset = ExperimentPresets.named(name) {
            e = preset
        } else {
            let url = URL(fileURLWithPath: name, relativeTo: directory)
            guard FileManager.default.fileExists(atPath: url.path) else { throw ExperimentConfigError.unknownPreset(name) }
            e = try ExperimentConfigFile.load(url).experiment(
                relativeTo: url.deletingLastPathComponent(), name: url.deletingPathExtension().lastPathComponent)
        }
        e.config.steps = steps ?? e.config.steps
        e.trials = trials ?? e.trials
        return e
    }
}
