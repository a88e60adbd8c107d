import Foundation

/// One supervised example: input voltages (in input order) and target output voltages.
public struct SupervisedExample: Sendable, Hashable, Codable {
    public var inputs: [Double]
    public var targets: [Double]
    public init(inputs: [Double], targets: [Double]) {
        self.inputs = inputs
        self.targets = targets
    }
}

/// Supervised coupled learning (spec §2): free phase with the example's inputs, clamped phase
/// with the outputs at (1 − η)·F + η·target, the local rule accumulated over batches of B
/// examples. The loss is the mean squared error of the free outputs.
public final class SupervisedTrainer {
    public let topology: Topology
    public let rule: CoupledLearningRule
    private let solver: any EquilibriumSolver
    private var accumulator: LocalRuleAccumulator
    private var warmStarts: [Int: [Double]] = [:]

    public init(topology: Topology, rule: CoupledLearningRule, solver: any EquilibriumSolver) throws {
        try rule.validate()
        guard !topology.outputs.isEmpty else { throw LearningError.mismatch("supervised learning needs output nodes") }
        self.topology = topology
        self.rule = rule
        self.solver = solver
        accumulator = LocalRuleAccumulator(edgeCount: topology.edgeCount)
    }

    /// Free-phase outputs for `inputs`.
    public func predict(_ inputs: [Double], parameters: [Double]) throws -> [Double] {
        let v = try solver.solve(parameters: parameters, held: HeldNodes(nodes: topology.inputs, values: inputs)).voltages
        return topology.outputs.map { v[$0] }
    }

    /// Mean squared error over `examples` (averaged over examples and outputs).
    public func loss(_ examples: [SupervisedExample], parameters: [Double]) throws -> Double {
        var total = 0.0
        for example in examples {
            let outputs = try predict(example.inputs, parameters: parameters)
            total += zip(outputs, example.targets).map { ($0 - $1) * ($0 - $1) }.reduce(0, +)
        }
        return total / Double(examples.count * topology.outputs.count)
    }

    /// One epoch over `examples` in an order shuffled by `rng`; updates `parameters` after every
    /// B examples (and after the last). Returns the epoch's training loss after the epoch.
    @discardableResult
    public func trainEpoch(_ examples: [SupervisedExample], parameters: inout [Double], rng: inout SeededGenerator) throws -> Double {
        try checkShapes(examples)
        for (n, i) in examples.indices.shuffled(using: &rng).enumerated() {
            let example = examples[i]
            let freeHeld = HeldNodes(nodes: topology.inputs, values: example.inputs)
            let free = try solver.solve(parameters: parameters, held: freeHeld, warmStart: warmStarts[i]).voltages
            warmStarts[i] = free
            let clamps = rule.clampValues(free: topology.outputs.map { free[$0] }, labels: example.targets)
            let clampedHeld = HeldNodes(nodes: topology.inputs + topology.outputs, values: example.inputs + clamps)
            let clamped = try solver.solve(parameters: parameters, held: clampedHeld, warmStart: free).voltages
            accumulator.accumulate(topology: topology, parameters: parameters, free: free, clamped: clamped, rule: rule)
            if (n + 1) % rule.batchSize == 0 || n == examples.count - 1 {
                accumulator.apply(to: &parameters, topology: topology, rule: rule)
            }
        }
        return try loss(examples, parameters: parameters)
    }

    private func checkShapes(_ examples: [SupervisedExample]) throws {
        guard !examples.isEmpty else { throw LearningError.mismatch("no training examples") }
        for (i, e) in examples.enumerated() {
            guard e.inputs.count == topology.inputs.count, e.targets.count == topology.outputs.count else {
                throw LearningError.mismatch(
                    "example \(i) has \(e.inputs.count) inputs and \(e.targets.count) targets; the network has "
                        + "\(topology.inputs.count) inputs and \(topology.outputs.count) outputs")
            }
        }
    }
}
