import Foundation

/// One supervised example: input voltages (in input order) and one label per logical output
/// (per output node, or per output pair with differential outputs).
public struct SupervisedExample: Sendable, Hashable, Codable {
    public var inputs: [Double]
    public var targets: [Double]
    public init(inputs: [Double], targets: [Double]) {
        self.inputs = inputs
        self.targets = targets
    }
}

/// What one training epoch did.
public struct EpochStatistics: Sendable, Hashable, Codable {
    /// Examples visited.
    public var examples = 0
    /// Examples that were nudged (a clamped phase was solved); the rest satisfied the hinge.
    public var nudged = 0
    /// Batches applied.
    public var batches = 0
    /// Mean loss of the free outputs as the examples were met, each before its own update.
    public var runningLoss = 0.0
    /// Largest change of one parameter in one batch.
    public var largestStep = 0.0
}

/// Supervised coupled learning (spec §2) with the reference code's training options
/// (``SupervisedOptions``): free phase with the example's inputs held, clamped phase with the
/// inputs and the output nodes held at ``SupervisedClamp/clampValues(freeNodes:labels:eta:options:)``,
/// the local rule accumulated over batches of B examples (``SupervisedAccumulator``).
///
/// Free solves are warm-started from the same example's previous solution, clamped solves from
/// the free one. Non-ideal hardware: `clampedSolver` runs the clamped phase on a twin network
/// (separate devices; default: `solver`), and `readNoise` adds Gaussian noise of that σ (V) to
/// every measured voltage (free and clamped phases, and evaluations). One trainer per thread (it
/// owns its solvers' workspaces).
public final class SupervisedTrainer {
    public let topology: Topology
    public let rule: CoupledLearningRule
    public let options: SupervisedOptions
    private let solver: any EquilibriumSolver
    private let clampedSolver: any EquilibriumSolver
    /// σ of the read noise on measured voltages (V).
    public let readNoise: Double
    private var noise: SeededGenerator
    private var accumulator: SupervisedAccumulator
    private var errorWeights: ErrorWeights
    private var warmStarts: [Int: [Double]] = [:]
    private var evaluationWarmStarts: [Int: [Double]] = [:]
    /// Solves so far (free phases, including evaluations; clamped phases).
    public private(set) var freeSolves = 0
    public private(set) var clampedSolves = 0

    public init(
        topology: Topology, rule: CoupledLearningRule, solver: any EquilibriumSolver, options: SupervisedOptions = SupervisedOptions(),
        clampedSolver: (any EquilibriumSolver)? = nil, readNoise: Double = 0, noiseSeed: UInt64 = 0
    ) throws {
        try rule.validate()
        try options.validate()
        try topology.requireInputs()
        guard !topology.outputs.isEmpty else { throw LearningError.mismatch("supervised learning needs output nodes") }
        if options.differential, topology.outputs.count % 2 != 0 {
            throw LearningError.mismatch(
                "differential outputs pair the output nodes, but the topology has \(topology.outputs.count) outputs; give an even number")
        }
        for s in [solver, clampedSolver ?? solver] {
            guard s.topology.edgeCount == topology.edgeCount, s.topology.nodeCount == topology.nodeCount else {
                throw LearningError.mismatch("the solver was built for another network (\(s.topology.name))")
            }
        }
        guard readNoise >= 0, readNoise.isFinite else {
            throw LearningError.invalidHyperparameter("read noise must be ≥ 0 (got \(readNoise))")
        }
        self.topology = topology
        self.rule = rule
        self.options = options
        self.solver = solver
        self.clampedSolver = clampedSolver ?? solver
        self.readNoise = readNoise
        noise = SeededGenerator(seed: noiseSeed, stream: 0x4EAD)
        accumulator = SupervisedAccumulator(topology: topology, options: options)
        errorWeights = ErrorWeights(
            exponent: options.errorWeightExponent, normalized: options.normalization == .batch, count: 0)
    }

    /// Logical outputs per example: output nodes, or output pairs when differential.
    public var logicalOutputCount: Int { options.differential ? topology.outputs.count / 2 : topology.outputs.count }

    /// The Adam state, when Adam scaling is on.
    public var adam: AdamScaler? { accumulator.adam }

    /// What the trainer carries from one epoch to the next that changes its results: the Adam
    /// moments, the per-example error weights, the read-noise generator, and each training
    /// example's last free solution (its warm start). Taken between epochs (where no batch is
    /// pending) and given to a new trainer of the same network and options through
    /// ``restore(_:)``, it continues exactly where this one stopped; without warm starts the next
    /// solves start cold, which moves each solution only within the solver's tolerance.
    public struct LearningState: Sendable, Codable, Hashable {
        public var adam: AdamScaler?
        public var errorWeights: ErrorWeights
        public var noise: SeededGenerator
        /// Solves so far (``SupervisedTrainer/freeSolves``, ``SupervisedTrainer/clampedSolves``).
        public var freeSolves: Int
        public var clampedSolves: Int
        /// Each training example's last free solution, by example index (nil: none yet); nil
        /// when not kept.
        public var warmStarts: [[Double]?]?
    }

    /// The trainer's ``LearningState`` now. Take it between epochs: a batch still pending (an
    /// epoch stopped midway) is not part of it.
    public var learningState: LearningState {
        let slots = (warmStarts.keys.max() ?? -1) + 1
        return LearningState(
            adam: accumulator.adam, errorWeights: errorWeights, noise: noise, freeSolves: freeSolves, clampedSolves: clampedSolves,
            warmStarts: (0..<slots).map { warmStarts[$0] })
    }

    /// Continues from `state`, taken from a trainer of the same network and options. Throws
    /// ``LearningError/checkpoint(_:)`` when it cannot belong to this trainer (Adam moments of
    /// another edge count or normalization, error weights of other options, warm starts of
    /// another node count).
    public func restore(_ state: LearningState) throws {
        guard (state.adam == nil) == (accumulator.adam == nil), state.adam.map({ $0.m.count == topology.edgeCount }) ?? true else {
            throw LearningError.checkpoint("its Adam state does not fit this network's \(topology.edgeCount) edges and normalization")
        }
        guard state.errorWeights.exponent == options.errorWeightExponent, state.errorWeights.normalized == (options.normalization == .batch)
        else { throw LearningError.checkpoint("its error weights were taken with other error_weight or normalization options") }
        guard (state.warmStarts ?? []).allSatisfy({ $0.map { $0.count == topology.nodeCount } ?? true }) else {
            throw LearningError.checkpoint("its warm starts are not of this network's \(topology.nodeCount) nodes")
        }
        accumulator.adam = state.adam
        errorWeights = state.errorWeights
        noise = state.noise
        (freeSolves, clampedSolves) = (state.freeSolves, state.clampedSolves)
        warmStarts = [:]
        for (i, solution) in (state.warmStarts ?? []).enumerated() { warmStarts[i] = solution }
    }

    /// Free-phase logical outputs for `inputs`.
    public func predict(_ inputs: [Double], parameters: [Double]) throws -> [Double] {
        var cache: [[Double]?] = [nil]
        return try outputs(for: [SupervisedExample(inputs: inputs, targets: [])], parameters: parameters, warmStarts: &cache)[0]
    }

    /// Free-phase logical outputs of every example; `warmStarts` (one slot per example, grown as
    /// needed) holds each example's last free solution, used as the next solve's starting point.
    /// The free phases share the gates, so they are solved as one batch
    /// (``EquilibriumSolver/solveBatch(parameters:held:warmStarts:)``: one `dc` sweep on SPICE).
    public func outputs(for examples: [SupervisedExample], parameters: [Double], warmStarts: inout [[Double]?]) throws -> [[Double]] {
        if warmStarts.count < examples.count { warmStarts += [[Double]?](repeating: nil, count: examples.count - warmStarts.count) }
        for (i, example) in examples.enumerated() where example.inputs.count != topology.inputs.count {
            throw LearningError.mismatch("example \(i) has \(example.inputs.count) inputs; the network has \(topology.inputs.count)")
        }
        let free = try solver.solveBatch(
            parameters: parameters, held: examples.map { HeldNodes(nodes: topology.inputs, values: $0.inputs) },
            warmStarts: Array(warmStarts.prefix(examples.count)))
        freeSolves += examples.count
        return free.enumerated().map { i, solution in
            warmStarts[i] = solution.voltages
            let nodes = reading(topology.outputs.map { solution.voltages[$0] }, readNoise: readNoise, rng: &noise)
            return SupervisedClamp.logicalOutputs(nodes: nodes, differential: options.differential)
        }
    }

    /// The configured loss (``SupervisedClamp/loss(outputs:labels:options:)``: MSE, or squared
    /// distance to the label where a hinge is not met) over `examples`, averaged over examples and
    /// logical outputs.
    public func loss(_ examples: [SupervisedExample], parameters: [Double]) throws -> Double {
        try checkShapes(examples)
        var cache = examples.indices.map { evaluationWarmStarts[$0] }
        let outs = try outputs(for: examples, parameters: parameters, warmStarts: &cache)
        for (i, solution) in cache.enumerated() { evaluationWarmStarts[i] = solution }
        let total = zip(outs, examples).reduce(0.0) { $0 + SupervisedClamp.loss(outputs: $1.0, labels: $1.1.targets, options: options) }
        return total / Double(examples.count)
    }

    /// One epoch over `examples` (in an order shuffled by `rng`, or in order); updates
    /// `parameters` after every B examples and after the last. Returns the epoch's training loss
    /// after the epoch (see ``train(epoch:parameters:rng:shuffle:)`` for the epoch's statistics).
    @discardableResult
    public func trainEpoch(_ examples: [SupervisedExample], parameters: inout [Double], rng: inout SeededGenerator) throws -> Double {
        try train(epoch: examples, parameters: &parameters, rng: &rng)
        return try loss(examples, parameters: parameters)
    }

    /// One epoch over `examples`; returns what it did. Pass the same example array every epoch:
    /// warm starts and error weights are kept per example index. `alpha`, if given, replaces the
    /// rule's α for this epoch (a learning-rate schedule, ``SupervisedTask/alpha(epoch:)``).
    @discardableResult
    public func train(
        epoch examples: [SupervisedExample], parameters: inout [Double], rng: inout SeededGenerator, shuffle: Bool = true,
        alpha: Double? = nil
    ) throws -> EpochStatistics {
        try checkShapes(examples)
        let rule = self.rule.overriding(alpha: alpha)
        try rule.validate()
        try topology.validateParameters(parameters)
        if errorWeights.count != examples.count {
            errorWeights = ErrorWeights(
                exponent: options.errorWeightExponent, normalized: options.normalization == .batch, count: examples.count)
        }
        var stats = EpochStatistics()
        let order = shuffle ? examples.indices.shuffled(using: &rng) : Array(examples.indices)
        let clampedNodes = topology.inputs + topology.outputs
        for (n, i) in order.enumerated() {
            let example = examples[i]
            let solution = try solveFree(example.inputs, parameters: parameters, warmStart: warmStarts[i])
            warmStarts[i] = solution
            let free = reading(solution, readNoise: readNoise, rng: &noise)
            let nodes = topology.outputs.map { free[$0] }
            let outs = SupervisedClamp.logicalOutputs(nodes: nodes, differential: options.differential)
            stats.runningLoss += SupervisedClamp.loss(outputs: outs, labels: example.targets, options: options)
            var clamped: [Double]?
            if let clamps = SupervisedClamp.clampValues(freeNodes: nodes, labels: example.targets, eta: rule.eta, options: options) {
                clamped = reading(
                    try clampedSolver.voltagesRetryingCold(
                        parameters: parameters, held: HeldNodes(nodes: clampedNodes, values: example.inputs + clamps),
                        warmStart: solution),
                    readNoise: readNoise, rng: &noise)
                clampedSolves += 1
                stats.nudged += 1
            }
            let weight = errorWeights.isTrivial
                ? 1
                : errorWeights.factor(
                    example: i, error: SupervisedClamp.errorMagnitude(outputs: outs, labels: example.targets, options: options))
            accumulator.accumulate(
                topology: topology, parameters: parameters, free: free, clamped: clamped, rule: rule, options: options, weight: weight)
            stats.examples += 1
            if (n + 1) % rule.batchSize == 0 || n == order.count - 1 {
                stats.largestStep = max(stats.largestStep, accumulator.apply(to: &parameters, topology: topology, rule: rule))
                stats.batches += 1
            }
        }
        stats.runningLoss /= Double(max(stats.examples, 1))
        return stats
    }

    private func solveFree(_ inputs: [Double], parameters: [Double], warmStart: [Double]?) throws -> [Double] {
        freeSolves += 1
        return try solver.voltagesRetryingCold(
            parameters: parameters, held: HeldNodes(nodes: topology.inputs, values: inputs), warmStart: warmStart)
    }

    private func checkShapes(_ examples: [SupervisedExample]) throws {
        guard !examples.isEmpty else { throw LearningError.mismatch("no training examples") }
        for (i, e) in examples.enumerated() {
            guard e.inputs.count == topology.inputs.count, e.targets.count == logicalOutputCount else {
                throw LearningError.mismatch(
                    "example \(i) has \(e.inputs.count) inputs and \(e.targets.count) labels; the network has "
                        + "\(topology.inputs.count) inputs and \(logicalOutputCount) "
                        + (options.differential ? "differential outputs (node pairs)" : "outputs"))
            }
        }
    }
}
