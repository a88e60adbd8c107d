import Foundation

/// How well the local rule follows the true gradient (spec §6.1).
///
/// For random parameters, states and labels, compares the local-rule update of one
/// free/clamped pair (spec §2, with α = 1) with the negative exact gradient of
/// C = ½ Σₙ (Fₙ − Lₙ)² by their cosine, as a function of the nudge η. The control is the same
/// graph with linear resistors, where coupled learning tends to gradient descent as η → 0.
public enum GradientAlignment {
    /// Cosine statistics at one η.
    public struct Point: Codable, Sendable, Hashable {
        public var eta: Double
        public var cosineMean: Double
        public var cosineMin: Double
        public var cosineMax: Double
        public var cosineStd: Double
        enum CodingKeys: String, CodingKey {
            case eta, cosineMean = "cosine_mean", cosineMin = "cosine_min", cosineMax = "cosine_max", cosineStd = "cosine_std"
        }
    }

    /// One edge model's curve.
    public struct Curve: Codable, Sendable, Hashable {
        public var edgeModel: String
        public var samples: Int
        /// Samples dropped because a solve failed or the gradient vanished.
        public var skipped: Int
        public var points: [Point]
        enum CodingKeys: String, CodingKey { case edgeModel = "edge_model", samples, skipped, points }
    }

    /// Both curves: MOSFET edges (gates uniform in `gateRange`) and linear resistors
    /// (conductances k·u, u uniform in `gateRange` − V_T, the same overdrive range).
    public static func run(
        topology: Topology, etas: [Double], samples: Int, seed: UInt64, gateRange: ClosedRange<Double>? = nil
    ) throws -> [Curve] {
        try topology.validate()
        guard !topology.outputs.isEmpty, !topology.states.isEmpty else {
            throw LearningError.mismatch("the gradient check needs outputs and state encodings; add \"outputs\" and \"states\" to the topology")
        }
        guard (1...InputLimits.maximumSamples).contains(samples) else {
            throw LearningError.invalidHyperparameter(
                "samples must be a whole number in 1...\(InputLimits.maximumSamples) (got \(samples)), e.g. samples 200")
        }
        if let eta = etas.first(where: { !($0 > 0 && $0 <= 1) }) {
            throw LearningError.invalidHyperparameter("every nudge η in etas must lie in (0, 1] (got \(eta)), e.g. etas 1,0.1,0.01")
        }
        guard !etas.isEmpty else { throw LearningError.invalidHyperparameter("etas is empty; give at least one nudge η in (0, 1]") }
        let range = gateRange ?? topology.gateBounds
        var linear = topology
        linear.edges = topology.edges.map { Edge($0.a, $0.b, element: .resistor) }
        let vt = topology.device.thresholdVoltage
        let mosfet = try curve(name: "mosfet", topology: topology, etas: etas, samples: samples, seed: seed) { rng in
            topology.edges.map { _ in rng.uniform(in: range) }
        }
        let resistors = try curve(name: "linear", topology: linear, etas: etas, samples: samples, seed: seed) { rng in
            linear.edges.map { _ in topology.device.k * rng.uniform(in: max(range.lowerBound - vt, 0.05)...(range.upperBound - vt)) }
        }
        return [mosfet, resistors]
    }

    private static func curve(
        name: String, topology t: Topology, etas: [Double], samples: Int, seed: UInt64,
        draw: (inout SeededGenerator) -> [Double]
    ) throws -> Curve {
        let solver = try IdealSolver(topology: t)
        var rng = SeededGenerator(seed: seed, stream: name == "mosfet" ? 1 : 2)
        var cosines = [[Double]](repeating: [], count: etas.count)
        var skipped = 0
        for _ in 0..<samples {
            let parameters = draw(&rng)
            let held = try t.freeHeld(state: rng.index(t.states.count))
            let labels = t.outputs.map { _ in rng.uniform(in: held.range) }
            do {
                let free = try solver.solve(parameters: parameters, held: held).voltages
                let gradient = try ExactGradient.outputCost(
                    topology: t, parameters: parameters, held: held, voltages: free, outputs: t.outputs, labels: labels)
                guard norm(gradient) > 1e-300 else { skipped += 1; continue }
                var row: [Double] = []
                for eta in etas {
                    let rule = CoupledLearningRule(alpha: 1, eta: eta, batchSize: 1, updateClip: .infinity)
                    let clamps = rule.clampValues(free: t.outputs.map { free[$0] }, labels: labels)
                    let clampedHeld = HeldNodes(nodes: held.nodes + t.outputs, values: held.values + clamps)
                    let clamped = try solver.solve(parameters: parameters, held: clampedHeld, warmStart: free).voltages
                    var update = LocalRuleAccumulator(edgeCount: t.edgeCount)
                    update.accumulate(topology: t, parameters: parameters, free: free, clamped: clamped, rule: rule)
                    row.append(cosine(update.pending, gradient.map { -$0 }))
                }
                guard row.allSatisfy(\.isFinite) else { skipped += 1; continue }
                for (i, c) in row.enumerated() { cosines[i].append(c) }
            } catch is SolverError {
                skipped += 1
            }
        }
        let points = zip(etas, cosines).map { eta, values -> Point in
            let mean = values.reduce(0, +) / Double(max(values.count, 1))
            let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(max(values.count - 1, 1))
            return Point(eta: eta, cosineMean: mean, cosineMin: values.min() ?? .nan, cosineMax: values.max() ?? .nan,
                         cosineStd: variance.squareRoot())
        }
        return Curve(edgeModel: name, samples: samples - skipped, skipped: skipped, points: points)
    }

    static func norm(_ x: [Double]) -> Double { x.map { $0 * $0 }.reduce(0, +).squareRoot() }

    /// Cosine similarity of two vectors (NaN when either vanishes).
    public static func cosine(_ x: [Double], _ y: [Double]) -> Double {
        zip(x, y).map { $0 * $1 }.reduce(0, +) / (norm(x) * norm(y))
    }
}
