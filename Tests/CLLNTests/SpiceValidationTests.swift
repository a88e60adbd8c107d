import CLLN
import Foundation
import Testing

@Suite(.serialized) struct SpiceValidationTests {
    @Test func triodeCasesAgreeAndSaturationIsDetected() throws {
        let t = TopologyPresets.fourState
        let high = t.uniformParameters(gate: 5.5)  // U − V_T = 4.8 V above every node: all triode
        let low = t.uniformParameters(gate: 1.5)  // channels pinch off: saturation
        let report = try BackendComparison.run(
            topology: t, ideal: IdealSolver(topology: t), reference: SpiceSolver(topology: t, model: ModelCard.standard()),
            model: "nmos-ideal", samples: 0, seed: 1, extraGates: [high, low])
        #expect(report.cases == 16)
        #expect(report.unsaturated.count == 8 && report.unsaturated.maxAbsDiff <= 1e-6)
        #expect(report.saturated.count == 8 && report.saturated.maxAbsDiff > 1e-4)
        #expect(report.edgeSaturationFrequency.contains { $0 > 0 })
    }

    @Test func ald1106CardCompilesAndSolves() throws {
        let t = TopologyPresets.fourState
        let card = try ModelCard.named("ald1106")
        #expect(abs(card.aspectRatio - 138.0 / 7.8) < 1e-12)
        let v = try SpiceSolver(topology: t, model: card).solve(parameters: t.uniformParameters(gate: 3), held: t.freeHeld(state: 0)).voltages
        #expect(v.allSatisfy { (0...1).contains($0) })
        let ideal = try IdealSolver(topology: t).solve(parameters: t.uniformParameters(gate: 3), held: t.freeHeld(state: 0)).voltages
        #expect(zip(v, ideal).contains { abs($0 - $1) > 1e-4 })  // body effect and λ move the voltages
    }
}
