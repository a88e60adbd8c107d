import CLLNDynamics
import Testing

/// Small instances of the five systems at random states and parameters.
private func sampleSystems() -> [(system: any DynamicalSystem, state: [Double], parameters: [Double])] {
    var generator = SplitMix64(seed: 42)
    func randoms(_ count: Int, _ low: Double, _ high: Double) -> [Double] {
        (0..<count).map { _ in generator.uniform(low, high) }
    }
    let edges = [(0, 1), (1, 2), (2, 3), (0, 3), (1, 3)]
    let reciprocal = LinearOscillatorNetwork(nodeCount: 4, edges: edges, reciprocal: true)
    let directed = LinearOscillatorNetwork(nodeCount: 4, edges: edges, reciprocal: false)
    let kuramoto = KuramotoNetwork(frequencies: randoms(4, -1, 1), edges: edges, reciprocal: false)
    let lif = LeakyIntegrateAndFireNetwork(neuronCount: 4, synapses: [(0, 1), (1, 0), (2, 1), (3, 2), (0, 3)])
    let chemistry = MichaelisMentenNetwork(speciesCount: 4)
    let ecology = LotkaVolterraNetwork(speciesCount: 4)
    return [
        (reciprocal, randoms(4, -1, 1), randoms(reciprocal.parameterCount, -1, 1)),
        (directed, randoms(4, -1, 1), randoms(directed.parameterCount, -1, 1)),
        (kuramoto, randoms(4, -3, 3), randoms(kuramoto.parameterCount, -1, 1)),
        (lif, randoms(4, -2, 2), randoms(lif.synapses.count, -1, 1) + randoms(4, -0.5, 0.5) + randoms(4, 0.5, 1.5)),
        (chemistry, randoms(4, 0.1, 1), randoms(chemistry.parameterCount, 0.2, 1.5)),
        (ecology, randoms(4, 0.05, 1), randoms(ecology.parameterCount, 0, 2)),
    ]
}

private func rates(_ system: any DynamicalSystem, _ x: [Double], _ θ: [Double]) -> [Double] {
    var f = [Double](repeating: 0, count: system.stateCount)
    system.rates(x, parameters: θ, into: &f)
    return f
}

/// Central difference of F along coordinate `index` of `point`, where `evaluate` is F as a
/// function of that argument.
private func centralDifference(_ point: [Double], _ index: Int, _ evaluate: ([Double]) -> [Double]) -> [Double] {
    let h = 1e-6 * max(1, abs(point[index]))
    var plus = point, minus = point
    plus[index] += h
    minus[index] -= h
    return zip(evaluate(plus), evaluate(minus)).map { ($0 - $1) / (2 * h) }
}

@Suite("Derivatives against finite differences")
struct DerivativeTests {
    @Test(arguments: 0..<6)
    func stateJacobianMatchesFiniteDifferences(_ index: Int) {
        let (system, x, θ) = sampleSystems()[index]
        let jacobian = system.stateJacobian(at: x, parameters: θ)
        for column in 0..<system.stateCount {
            let numeric = centralDifference(x, column) { rates(system, $0, θ) }
            for row in 0..<system.stateCount {
                #expect(abs(jacobian[row][column] - numeric[row]) <= 1e-6 * max(1, abs(numeric[row])),
                        "\(system.label) ∂F\(row)/∂x\(column)")
            }
        }
    }

    @Test(arguments: 0..<6)
    func parameterJacobianMatchesFiniteDifferencesAndIsLocal(_ index: Int) {
        let (system, x, θ) = sampleSystems()[index]
        let jacobian = system.parameterJacobian(at: x, parameters: θ)
        for parameter in 0..<system.parameterCount {
            let numeric = centralDifference(θ, parameter) { rates(system, x, $0) }
            let touched = Set(system.nodes(touchedBy: parameter))
            for row in 0..<system.stateCount {
                #expect(abs(jacobian[row][parameter] - numeric[row]) <= 1e-6 * max(1, abs(numeric[row])),
                        "\(system.label) ∂F\(row)/∂\(system.parameterName(parameter))")
                if !touched.contains(row) {
                    #expect(numeric[row] == 0, "\(system.parameterName(parameter)) reaches node \(row) it does not touch")
                }
            }
        }
    }

    @Test func reciprocalCouplingsActEquallyBothWays() {
        let (system, x, θ) = sampleSystems()[0]
        #expect(system.isReciprocal)
        let jacobian = system.stateJacobian(at: x, parameters: θ)
        for row in 0..<4 {
            for column in 0..<4 { #expect(jacobian[row][column] == jacobian[column][row]) }
        }
        #expect(!sampleSystems()[1].system.isReciprocal)
    }

    /// dC/dθ from the discrete adjoint against central differences of the cost, along random
    /// directions, for every task on a short horizon.
    @Test(arguments: DynamicsTask.names)
    func adjointGradientMatchesFiniteDifferences(_ name: String) throws {
        var task = try DynamicsTask(name: name, seed: 3)
        var generator = SplitMix64(seed: 7)
        let episode = {
            var episode = task.episodes[0]
            episode.duration = 2
            return episode
        }()
        task.episodes = [episode]
        let solver = task.solver
        // Perturb away from the (possibly projected-to-the-boundary) initial parameters.
        let θ = task.initialParameters.map { $0 + 0.05 + 0.05 * generator.uniform() }
        let (_, gradient) = try solver.gradient(episode, parameters: θ)
        for _ in 0..<3 {
            let direction = θ.map { _ in generator.normal() }
            let h = 1e-5
            let plus = try solver.free(episode, parameters: zip(θ, direction).map { $0 + h * $1 }).cost
            let minus = try solver.free(episode, parameters: zip(θ, direction).map { $0 - h * $1 }).cost
            let numeric = (plus - minus) / (2 * h)
            let adjoint = zip(gradient, direction).reduce(0) { $0 + $1.0 * $1.1 }
            #expect(abs(adjoint - numeric) <= 1e-5 * max(1e-3, abs(numeric)), "\(name): adjoint \(adjoint) vs FD \(numeric)")
        }
    }
}
