import CLLN
import Foundation
import Testing
import _CLLNTestSupport

@Suite struct SolverRobustnessTests {
    /// A free solve from the four-state quirk run with gates piled near GMN: several equilibria
    /// compete and Newton alone stalls at a conductance-floor kink.
    @Test func nearThresholdCaseFromTrainingConverges() throws {
        let gates = [1.0, 1.0, 1.152395013749466, 1.4154676577995537, 1.6752245483968051, 1.0849239366696588, 1.3682284491828314,
                     1.4898588462910503, 1.3453719122829966, 1.3164773971781045, 1.4348576581221932, 1.0, 1.0002047732359665,
                     1.6935028661175062, 1.2256321908133723, 1.6537668277048956, 1.374655444900565, 1.0605702239016748,
                     1.1001586120235338, 1.0, 1.0, 1.2812034675341675, 1.315177812394322, 1.0781733213205473, 1.6976341214076818,
                     1.1480427007503136, 1.304632648607364, 1.042246819581591, 1.0274548738130755, 1.5099366288304594,
                     1.531226572656643, 1.1]
        let t = TopologyPresets.fourState
        let held = try t.freeHeld(state: 0)
        let s = try IdealSolver(topology: t).solve(parameters: gates, held: held)
        #expect(kclResidual(t, parameters: gates, voltages: s.voltages, held: held) < 1e-11 * t.device.k)
    }

    /// A node pulled to the top of the held range, where its active edges' ∂I/∂V is negative:
    /// Newton and large pseudo-time steps push it out of the range; small ones relax it.
    @Test func nodeAtTheRailWithNegativeSlopeConverges() throws {
        let gates = [1.0, 1.3700761243476405, 2.528414726095557, 1.1213343932241957, 1.7833083299848613, 1.3348784502214357,
                     1.6120685472485305, 1.428904539252701, 1.0, 2.078784045586413, 1.465850579923253, 2.1426967866431963,
                     1.45656800213123, 1.6837239323402748, 1.030732637154858, 1.2270819607558303, 1.75478718446089,
                     1.8656569485488173, 1.6157394712239617, 1.478357326672625, 1.1, 1.419103494027125, 2.010882717861682, 1.0,
                     1.6831252352190251, 1.0, 1.755203799466326, 2.8627983078018757, 1.029469558200098, 1.7192868694444294,
                     1.341797855956657, 1.2511730094039875]
        let t = TopologyPresets.fourState
        let held = try t.freeHeld(state: 0)
        let s = try IdealSolver(topology: t).solve(parameters: gates, held: held)
        #expect(kclResidual(t, parameters: gates, voltages: s.voltages, held: held) < 1e-11 * t.device.k)
    }

    @Test func stressedGatesNearTheLowerBoundConverge() throws {
        var rng = SeededGenerator(seed: 99)
        for t in [TopologyPresets.fourState, TopologyPresets.navigation] {
            let solver = try IdealSolver(topology: t)
            for i in 0..<300 {
                let gates = t.edges.map { _ in rng.uniform() < 0.4 ? 1.0 : rng.uniform(in: 1...2) }
                var held = try t.freeHeld(state: i % t.states.count)
                if i % 2 == 1 {
                    held = try t.clampedHeld(state: i % t.states.count, outputValues: t.outputs.map { _ in rng.uniform(in: -0.1...1) })
                }
                let s = try solver.solve(parameters: gates, held: held)
                #expect(obeysMaximumPrinciple(s.voltages, held: held))
                #expect(s.residual <= 1e-9)
            }
        }
    }
}
