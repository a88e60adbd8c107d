import CLLN
import Foundation
import Testing

/// Adam scaling, error weights and the update exponent against worked examples.
@Suite struct SupervisedScalingTests {
    @Test func adamScalingMatchesAWorkedExample() {
        // β₁ = 0.6, β₂ = 0.999, ε = 1e-3 (the reference's), two edges.
        var adam = AdamScaler(parameters: AdamParameters(), count: 2)
        // Batch 1, g = (0.02, −0.01): m = 0.4·g, m̂ = g; v = 0.001·g², v̂ = g²;
        // step = g / (|g| + 0.001) = 0.02/0.021, −0.01/0.011.
        let first = adam.scale([0.02, -0.01])
        #expect(abs(first[0] - 0.02 / 0.021) < 1e-12 && abs(first[1] + 0.01 / 0.011) < 1e-12)
        // Batch 2, g = (0.02, 0.01): edge 0: m = 0.6·0.008 + 0.4·0.02 = 0.0128, m̂ = 0.0128/0.64 = 0.02;
        // v = 0.999·4e-7 + 0.001·4e-4 = 7.996e-7, v̂ = 7.996e-7/0.001999 = 4e-4 → 0.02/0.021.
        // Edge 1: m = 0.6·(−0.004) + 0.4·0.01 = 0.0016, m̂ = 0.0025; v = 1.999e-7, v̂ = 1e-4 → 0.0025/0.011.
        let second = adam.scale([0.02, 0.01])
        #expect(abs(second[0] - 0.02 / 0.021) < 1e-12 && abs(second[1] - 0.0025 / 0.011) < 1e-12)
        #expect(adam.t == 2)
        // The step multiplies the scaled update.
        var half = AdamScaler(parameters: AdamParameters(step: 0.5), count: 1)
        #expect(abs(half.scale([0.02])[0] - 0.5 * 0.02 / 0.021) < 1e-12)
    }

    @Test func errorWeightsAndTheirBatchNormalization() {
        var plain = ErrorWeights(exponent: 2, normalized: false, count: 2)
        #expect(abs(plain.factor(example: 0, error: 0.3) - 0.09) < 1e-15)
        #expect(ErrorWeights(exponent: 0, normalized: false, count: 1).isTrivial)
        // Normalized, p = 1: w/mean of every example's latest w.
        var normalized = ErrorWeights(exponent: 1, normalized: true, count: 2)
        #expect(abs(normalized.factor(example: 0, error: 0.2) - 1) < 1e-15)        // 0.2 / 0.2
        #expect(abs(normalized.factor(example: 1, error: 0.1) - 0.1 / 0.15) < 1e-15) // mean(0.2, 0.1)
        #expect(abs(normalized.factor(example: 0, error: 0.4) - 0.4 / 0.25) < 1e-15) // mean(0.4, 0.1)
        #expect(normalized.factor(example: 1, error: 0) == 0)
    }

    /// Two nodes, one MOSFET edge: the accumulated update and its application, worked by hand.
    @Test func updateExponentScalesByTheGateAboveGMN() {
        let t = Topology(name: "one-edge", nodeCount: 2, edges: [Edge(0, 1)], inputs: [0, 1], outputs: [])
        let rule = CoupledLearningRule(alpha: 0.2, eta: 0.5, batchSize: 1, updateClip: 0.1)
        // ΔV_free = 0.5, ΔV_clamped = 0.3: (α/η)·(0.25 − 0.09) = 0.4·0.16 = 0.064 per unit factor.
        for (q, expected) in [(0.0, 0.064), (1.0, 0.064 * 2), (2.0, 0.064 * 4)] {
            var accumulator = SupervisedAccumulator(topology: t, options: SupervisedOptions(updateExponent: q))
            var gates = [3.0]
            accumulator.accumulate(topology: t, parameters: gates, free: [0.5, 0], clamped: [0.3, 0], rule: rule,
                                   options: SupervisedOptions(updateExponent: q), weight: 1)
            #expect(abs(accumulator.pending[0] - expected) < 1e-15)   // (3 − GMN 1)^q = 2^q
            accumulator.apply(to: &gates, topology: t, rule: rule)
            #expect(abs(gates[0] - (3 + min(expected, 0.1))) < 1e-15)   // clipped to ±DGC
        }
        // An example weight multiplies; a nil clamped phase (hinge satisfied) adds nothing.
        var accumulator = SupervisedAccumulator(topology: t, options: SupervisedOptions())
        accumulator.accumulate(topology: t, parameters: [3], free: [0.5, 0], clamped: [0.3, 0], rule: rule, options: SupervisedOptions(), weight: 0.5)
        accumulator.accumulate(topology: t, parameters: [3], free: [0.5, 0], clamped: nil, rule: rule, options: SupervisedOptions(), weight: 1)
        #expect(abs(accumulator.pending[0] - 0.032) < 1e-15 && accumulator.steps == 2)
    }

    @Test func adamRunsInsideTheAccumulatorBeforeTheClip() {
        let t = Topology(name: "one-edge", nodeCount: 2, edges: [Edge(0, 1)], inputs: [0, 1], outputs: [])
        let rule = CoupledLearningRule(alpha: 0.2, eta: 0.5, batchSize: 1, updateClip: 0.01)
        let options = SupervisedOptions(normalization: .adam)
        var accumulator = SupervisedAccumulator(topology: t, options: options)
        var gates = [3.0]
        accumulator.accumulate(topology: t, parameters: gates, free: [0.5, 0], clamped: [0.3, 0], rule: rule, options: options, weight: 1)
        // g = 0.064 → Adam 0.064/0.065 ≈ 0.985 → clipped to DGC = 0.01.
        accumulator.apply(to: &gates, topology: t, rule: rule)
        #expect(abs(gates[0] - 3.01) < 1e-15 && accumulator.adam?.t == 1)
    }

    @Test func hiddenAlphaScalesOnlyTheEdgesAwayFromTheOutputs() throws {
        // Input 0 → hidden 1 → output 2: edge 0 is inner, edge 1 ends at the output.
        let t = Topology(name: "chain", nodeCount: 3, edges: [Edge(0, 1), Edge(1, 2)], inputs: [0], outputs: [2])
        let rule = CoupledLearningRule(alpha: 0.2, eta: 0.5, batchSize: 1, updateClip: 1)
        func pending(_ scale: Double) -> [Double] {
            let options = SupervisedOptions(hiddenAlphaScale: scale)
            var accumulator = SupervisedAccumulator(topology: t, options: options)
            accumulator.accumulate(
                topology: t, parameters: [3, 3], free: [0.5, 0.3, 0.1], clamped: [0.5, 0.35, 0.3], rule: rule, options: options, weight: 1)
            return accumulator.pending
        }
        let one = pending(1), three = pending(3)
        // (α/η)(ΔV_free² − ΔV_clamped²): edge 0 0.4·(0.04 − 0.0225) = 0.007, edge 1 0.4·(0.04 − 0.0025) = 0.015.
        #expect(abs(one[0] - 0.007) < 1e-15 && abs(one[1] - 0.015) < 1e-15)
        #expect(abs(three[0] - 3 * one[0]) < 1e-15 && three[1] == one[1])
        let task = try SupervisedConfig.parse(settings: ["task=iris", "hidden_alpha=3"]).makeTask()
        #expect(task.options.hiddenAlphaScale == 3)
        #expect(throws: LearningError.self) { try SupervisedConfig.parse(settings: ["task=iris", "hidden_alpha=0"]).makeTask() }
    }
}
