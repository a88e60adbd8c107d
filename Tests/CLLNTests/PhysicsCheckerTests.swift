import CLLN
import Testing
import _CLLNTestSupport

/// The shared physics checkers flag what they exist to catch (a checker that always passes would
/// make every test that uses it vacuous).
@Suite struct PhysicsCheckerTests {
    @Test func checkersAcceptAnEquilibriumAndFlagAPerturbedOne() throws {
        let t = TopologyPresets.fourState
        let gates = t.uniformParameters(gate: 2.5)
        let held = try t.freeHeld(state: 0)
        let v = try IdealSolver(topology: t).solve(parameters: gates, held: held).voltages
        #expect(kclResidual(t, parameters: gates, voltages: v, held: held) < 1e-11 * t.device.k)
        #expect(obeysMaximumPrinciple(v, held: held))
        let free = try #require((0..<t.nodeCount).first { !held.nodes.contains($0) })
        var perturbed = v
        perturbed[free] += 0.01
        #expect(kclResidual(t, parameters: gates, voltages: perturbed, held: held) > 1e-4 * t.device.k)
        perturbed[free] = held.range.upperBound + 0.01
        #expect(!obeysMaximumPrinciple(perturbed, held: held))
        #expect(maxDifference(v, perturbed) > 0 && maxDifference(v, v) == 0 && maxDifference(v, []) == .infinity)
    }
}
