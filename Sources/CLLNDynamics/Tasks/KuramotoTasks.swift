import Foundation

/// Where a Kuramoto network's neighbours come from.
public enum KuramotoGraph: String, Sendable, Codable, CaseIterable {
    /// Random points in the unit square, each joined to its 3 nearest (clln's original stand-in).
    case nearestNeighbours = "knn"
    /// The contact network of a jammed disk packing (``JammedPacking``), the paper's choice.
    case packing

    func edges(nodeCount: Int, generator: inout SplitMix64) throws -> [(Int, Int)] {
        switch self {
        case .nearestNeighbours: return CouplingGraph.nearestNeighbours(nodeCount: nodeCount, neighbours: 3, generator: &generator)
        case .packing: return try JammedPacking.generate(diskCount: nodeCount, generator: &generator).contacts
        }
    }
}

/// The two Kuramoto tasks of the paper's §III.2 (Figs. 4–5, Appendix C).
extension DynamicsTask {
    /// Allostery: the phase of a distant output oscillator must follow a driven input oscillator
    /// (a triangle wave, alternating forward and backward rotation) on a sparse directed network
    /// of oscillators with ωᵢ = 0.
    /// - Parameters:
    ///   - graph: the neighbour network (default ``KuramotoGraph/packing``, the paper's).
    ///   - couplingRange: initial couplings K ~ U(range); exactly zero gives no signal at all.
    public static func kuramotoAllostery(
        seed: UInt64, graph: KuramotoGraph = .packing, couplingRange: ClosedRange<Double> = 0.3...0.7
    ) throws -> DynamicsTask {
        var generator = SplitMix64(seed: seed)
        let count = 10
        let edges = try graph.edges(nodeCount: count, generator: &generator)
        let (input, output) = farthestPair(nodeCount: count, edges: edges)
        let system = KuramotoNetwork(frequencies: [Double](repeating: 0, count: count), edges: edges, reciprocal: false)
        // Slow enough (period 40) for the phase to propagate over a few hops almost quasi-statically.
        let period = 40.0
        let drive = Signal.triangle(amplitude: 1, period: period)
        let episode = Episode(
            name: "triangle", initialState: [Double](repeating: 0, count: count), duration: 2 * period,
            prescribed: [NodeSignal(node: input, signal: drive)],
            targets: [Target(node: output, signal: drive, shape: .phase)])
        // Weak positive couplings: exactly zero couplings transmit nothing, so no rule can start
        // (test zeroKuramotoCouplingsGiveNoSignal); from U(0, 0.1) on the packing the cost grew on
        // 10/10 seeds (11–20), from U(0.3, 0.7) 19/20 seeds (1–20) learned.
        let parameters = (0..<system.parameterCount).map { _ in generator.uniform(couplingRange.lowerBound, couplingRange.upperBound) }
        return DynamicsTask(
            name: "kuramoto-allostery",
            summary: "sparse directed Kuramoto network: a distant output phase follows a driven input (allostery)",
            system: system, seed: seed, initialParameters: parameters, episodes: [episode],
            timeStep: 0.05, nudge: 0.1, learningRate: 1, defaultIterations: 200,
            nodeNames: roleNames(count: count, roles: [input: "input", output: "output"])
        ) { task, parameters in
            let run = try task.solver.free(episode, parameters: parameters).trajectory
            let errors = (0..<run.count).map { remainder(run[$0, output] - drive.value(at: run.times[$0]), 2 * .pi) }
            let response = (0..<run.count).map { run[$0, output] }
            return [
                "hops_input_to_output": Double(CouplingGraph.hopDistances(from: input, nodeCount: count, edges: edges)[output]),
                "phase_error_rms": SignalAnalysis.rms(errors),
                "response_amplitude": response.map(abs).max() ?? 0,
            ]
        }
    }

    /// Synchronisation at a target frequency Ω above the mean intrinsic frequency: every
    /// oscillator is nudged towards the common phase Ω t. A reciprocal network cannot do it
    /// (its mean phase velocity is pinned to mean(ω)); `reciprocal: true` builds that control.
    public static func kuramotoSync(
        seed: UInt64, reciprocal: Bool, graph: KuramotoGraph = .packing, couplingRange: ClosedRange<Double> = 0...0.1
    ) throws -> DynamicsTask {
        var generator = SplitMix64(seed: seed)
        let count = 10
        let edges = try graph.edges(nodeCount: count, generator: &generator)
        let frequencies = (0..<count).map { _ in 0.5 * generator.normal() }
        let meanFrequency = frequencies.reduce(0, +) / Double(count)
        let targetFrequency = meanFrequency + 0.5
        let system = KuramotoNetwork(frequencies: frequencies, edges: edges, reciprocal: reciprocal)
        let initialPhases = (0..<count).map { _ in generator.uniform(-1, 1) }
        let episode = Episode(
            name: "sync", initialState: initialPhases, duration: 20,
            targets: (0..<count).map { Target(node: $0, signal: .ramp(offset: 0, slope: targetFrequency), shape: .phase) })
        let parameters = (0..<system.parameterCount).map { _ in generator.uniform(couplingRange.lowerBound, couplingRange.upperBound) }
        return DynamicsTask(
            name: "kuramoto-sync",
            summary: "Kuramoto network: synchronise all oscillators at Ω = mean(ω) + 0.5 (needs non-reciprocity)",
            system: system, seed: seed, initialParameters: parameters, episodes: [episode],
            // The paper's clamping supervisor: learned on 10/10 seeds where the force form managed 6/10.
            timeStep: 0.05, nudge: 1, supervisor: .clamp, learningRate: 0.01, defaultIterations: 300,
            nodeNames: (0..<count).map { "θ\($0)" }
        ) { task, parameters in
            let run = try task.solver.free(episode, parameters: parameters).trajectory
            let late = run.count * 3 / 4
            let window = Double(run.times[run.count - 1] - run.times[late])
            let meanVelocity = (0..<count).reduce(0.0) { $0 + (run[run.count - 1, $1] - run[late, $1]) / window } / Double(count)
            let order = (late..<run.count).map { sample in
                let (c, s) = (0..<count).reduce((0.0, 0.0)) { ($0.0 + cos(run[sample, $1]), $0.1 + sin(run[sample, $1])) }
                return (c * c + s * s).squareRoot() / Double(count)
            }
            return [
                "mean_intrinsic_frequency": meanFrequency,
                "target_frequency": targetFrequency,
                "mean_phase_velocity": meanVelocity,
                "order_parameter": order.reduce(0, +) / Double(order.count),
            ]
        }
    }

    /// The two nodes farthest apart in hops (first such pair).
    private static func farthestPair(nodeCount: Int, edges: [(Int, Int)]) -> (Int, Int) {
        var best = (0, 0, -1)
        for start in 0..<nodeCount {
            let distances = CouplingGraph.hopDistances(from: start, nodeCount: nodeCount, edges: edges)
            for (node, distance) in distances.enumerated() where distance != Int.max && distance > best.2 {
                best = (start, node, distance)
            }
        }
        return (best.0, best.1)
    }
}
