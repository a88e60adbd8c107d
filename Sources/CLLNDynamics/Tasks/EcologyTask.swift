/// A chosen species of a multi-attractor Lotka–Volterra community must settle at a target
/// abundance (the paper's §III.5, Fig. 9, Appendix D).
extension DynamicsTask {
    /// Immigration (invasion) rate λ of the glv-target community.
    public static let glvInvasionRate = 1e-2

    static func lotkaVolterraTarget(seed: UInt64, invasionRate: Double = glvInvasionRate) throws -> DynamicsTask {
        var generator = SplitMix64(seed: seed)
        let count = 10, meanInteraction = 1.0, targetAbundance = 0.5
        // Immigration λ = 10⁻²: an "extinct" species sits at x ≈ λ/|growth| ~ 10⁻², not 10⁻⁶, so
        // the rule's signal ∂F/∂α ∝ xᵢ xⱼ at the output does not vanish (at λ = 10⁻⁶ 5 of seeds
        // 1–20 never moved: cost ×1.0).
        let system = LotkaVolterraNetwork(speciesCount: count, invasionRate: invasionRate)
        let parameters = (0..<system.parameterCount).map { _ in generator.uniform(0, 2 * meanInteraction) }
        let duration = 60.0
        let initial = [Double](repeating: 0.1, count: count)
        // The output is the species rarest at the end of the untrained run from the training start.
        let probe = Episode(name: "probe", initialState: initial, duration: duration, targets: [])
        let solver = EpisodeSolver(system: system, timeStep: 0.1)
        let untrained = try solver.free(probe, parameters: parameters).trajectory
        let final = untrained.state(at: untrained.count - 1)
        let output = final.indices.min { final[$0] < final[$1] }!
        let episode = Episode(
            name: "x0 = 0.1", initialState: initial, duration: duration,
            targets: [Target(node: output, signal: .constant(targetAbundance), window: .after(start: duration / 3, rise: 2))])
        let basin = BasinStatistic(output: output, target: targetAbundance, tolerance: 0.05, horizon: 400, samples: 100, seed: seed)
        return DynamicsTask(
            name: "glv-target",
            summary: "generalized Lotka–Volterra (multiple attractors): a rare species settles at abundance \(targetAbundance)",
            system: system, seed: seed, initialParameters: parameters, episodes: [episode],
            timeStep: 0.1, nudge: 0.5, learningRate: 0.05, defaultIterations: 300,
            nodeNames: roleNames(count: count, roles: [output: "output"])
        ) { task, parameters in
            let run = try task.solver.free(episode, parameters: parameters).trajectory
            return [
                "output_species": Double(output),
                "output_final": run[run.count - 1, output],
                "basin_fraction": try basin.fraction(system: task.system, parameters: parameters),
                "basin_samples": Double(basin.samples),
            ]
        }
    }
}

/// The share of random initial conditions x₀ ~ U(0, 1)ᴺ from which the output species ends within
/// `tolerance` of `target` over the last 10 % of a long `horizon` (integrated adaptively).
struct BasinStatistic: Sendable {
    var output: Int
    var target: Double
    var tolerance: Double
    var horizon: Double
    var samples: Int
    var seed: UInt64

    func fraction(system: any DynamicalSystem, parameters: [Double]) throws -> Double {
        var generator = SplitMix64(seed: seed ^ 0xBA51_0000)
        let checkTimes = (0...20).map { horizon * (0.9 + 0.005 * Double($0)) }
        var hits = 0
        for _ in 0..<samples {
            let start = (0..<system.stateCount).map { _ in generator.uniform() }
            hits += try settles(system, parameters, start, [0] + checkTimes) ? 1 : 0
        }
        return Double(hits) / Double(samples)
    }

    private func settles<S: DynamicalSystem>(_ system: S, _ parameters: [Double], _ start: [Double], _ times: [Double]) throws -> Bool {
        var field = AutonomousField(system: system, parameters: parameters)
        let (run, _) = try DormandPrince54(relativeTolerance: 1e-6, absoluteTolerance: 1e-9).solve(&field, initial: start, times: times)
        return (1..<run.count).allSatisfy { abs(run[$0, output] - target) < tolerance }
    }
}

/// dx/dt = F(x; θ) with no inputs, for the adaptive integrator.
public struct AutonomousField<System: DynamicalSystem>: VectorField {
    public let system: System
    public let parameters: [Double]

    public init(system: System, parameters: [Double]) {
        self.system = system
        self.parameters = parameters
    }

    public var dimension: Int { system.stateCount }
    public var label: String { system.label }

    public mutating func derivative(at time: Double, state y: [Double], into dy: inout [Double]) {
        system.rates(y, parameters: parameters, into: &dy)
    }
}
