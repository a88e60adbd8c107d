import CLLN
import CLLNRuns
import Foundation
import Testing

@Suite struct GradientTests {
    func cost(_ solver: IdealSolver, _ t: Topology, _ g: [Double], _ held: HeldNodes, _ labels: [Double]) throws -> Double {
        let v = try solver.solve(parameters: g, held: held).voltages
        return zip(t.outputs, labels).map { 0.5 * pow(v[$0] - $1, 2) }.reduce(0, +)
    }

    @Test(arguments: ["mosfet", "resistor", "exp-gate-mosfet"])
    func adjointGradientMatchesFiniteDifferences(element: String) throws {
        var t = TopologyPresets.fourState
        let kind = EdgeElement(name: element)!
        t.edges = t.edges.map { Edge($0.a, $0.b, element: kind) }
        var rng = SeededGenerator(seed: 21)
        let solver = try IdealSolver(topology: t)
        for _ in 0..<5 {
            let gates: [Double] = t.edges.map { _ in
                switch kind {
                case .resistor: 1e-3 * rng.uniform(in: 0.5...4)
                case .expGateMosfet: log(rng.uniform(in: 2.5...5))
                default: rng.uniform(in: 2.5...5)
                }
            }
            let held = try t.freeHeld(state: rng.index(4))
            let labels = t.outputs.map { _ in rng.uniform(in: 0.2...0.8) }
            let v = try solver.solve(parameters: gates, held: held).voltages
            let gradient = try ExactGradient.outputCost(
                topology: t, parameters: gates, held: held, voltages: v, outputs: t.outputs, labels: labels)
            let scale = gradient.map(abs).max()!
            for e in t.edges.indices {
                let h = 1e-6 * max(abs(gates[e]), 1e-3)
                var (up, down) = (gates, gates)
                up[e] += h
                down[e] -= h
                let fd = (try cost(solver, t, up, held, labels) - cost(solver, t, down, held, labels)) / (2 * h)
                #expect(abs(fd - gradient[e]) <= 1e-5 * scale, "edge \(e): fd \(fd) vs adjoint \(gradient[e])")
            }
        }
    }

    @Test func alignmentIsPositiveAndTendsToOneForLinearResistors() throws {
        let curves = try GradientAlignment.run(
            topology: TopologyPresets.fourState, etas: [0.3, 0.01, 0.0001], samples: 40, seed: 2, gateRange: 2...5.5)
        let mosfet = try #require(curves.first { $0.edgeModel == "mosfet" })
        #expect(mosfet.points.allSatisfy { $0.cosineMean > 0.5 })
        // With one output, hard-clamped coupled learning on linear resistors is gradient descent
        // as η → 0. (With several outputs the clamp weighs the errors by the outputs' mutual
        // conductance matrix, so the limit is below 1: reported by `clln check gradient`.)
        var single = TopologyPresets.fourState
        single.outputs = [5]
        let control = try #require(
            try GradientAlignment.run(topology: single, etas: [0.0001], samples: 40, seed: 3).first { $0.edgeModel == "linear" })
        #expect(control.points[0].cosineMin > 0.9999, "\(control.points[0])")
    }
}

@Suite struct ExperimentTests {
    var short: QLearningExperiment {
        var e = ExperimentPresets.fourState
        e.config.steps = 2000
        return e
    }
    func folder() -> RunFolder {
        RunFolder(FileManager.default.temporaryDirectory.appendingPathComponent("clln-check-\(UUID().uuidString)"))
    }

    @Test func scaledRewardsScaleMeansNoiseAndLabels() {
        let scaled = ScaledRewards(TableEnvironment.fourState, factor: 10)
        #expect(scaled.meanReward(state: 1, action: 0) == 10 * TableEnvironment.fourState.meanReward(state: 1, action: 0))
        #expect(abs(scaled.rewardNoise - 0.1) < 1e-15 && scaled.measurementLabels(state: 0)[2] == 10 * 0.21530358025636442)
        #expect(scaled.nextState(state: 0, action: 3) == 3)
    }

    @Test func stressReportsSaturationFractions() throws {
        let out = folder()
        defer { try? FileManager.default.removeItem(at: out.url) }
        let rows = try RunScheduler().run(
            StressTrial(experiment: short, factors: [1, 50], trialsPerFactor: 1, seed: 0), on: SolverBackend(), in: out).factors
        #expect(rows.count == 2 && rows.allSatisfy { $0.trials == 1 })
        #expect(rows.allSatisfy { (0...1).contains($0.gatesAtMinimum) && (0...1).contains($0.outputsAtRails) })
        #expect(rows[1].gatesAtMinimum + rows[1].gatesAtMaximum > rows[0].gatesAtMinimum + rows[0].gatesAtMaximum)
    }

    @Test func damageRunsAndReportsDisconnection() throws {
        let out = folder()
        defer { try? FileManager.default.removeItem(at: out.url) }
        let rows = try RunScheduler().run(
            DamageTrial(experiment: short, fractions: [0.1, 0.95], at: 1000, seed: 0), on: SolverBackend(), in: out).fractions
        #expect(rows[0].removedEdges.count == 3 && rows[0].rewardBefore != nil && !rows[0].curve.isEmpty)
        #expect(rows[1].outcome.hasPrefix("disconnected"))
    }
}
