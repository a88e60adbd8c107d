import CLLN
import Foundation
import Testing

/// The clamp values of every loss and option on cases worked out by hand.
@Suite struct SupervisedClampTests {
    func close(_ a: [Double]?, _ b: [Double], _ tolerance: Double = 1e-12) -> Bool {
        guard let a, a.count == b.count else { return false }
        return zip(a, b).allSatisfy { abs($0 - $1) <= tolerance }
    }

    @Test func mseNudgesEveryOutputTowardItsLabel() {
        // C = (1 − η)·F + η·L with η = 0.5: 0.5·0.2 + 0.5·0.3 = 0.25, 0.5·0.5 + 0.5·0.1 = 0.3.
        let c = SupervisedClamp.clampValues(freeNodes: [0.2, 0.5], labels: [0.3, 0.1], eta: 0.5, options: SupervisedOptions())
        #expect(close(c, [0.25, 0.3]))
        // η = 1 clamps at the label; an output already at its label needs no clamped phase.
        #expect(close(SupervisedClamp.clampValues(freeNodes: [0.2], labels: [0.3], eta: 1, options: SupervisedOptions()), [0.3]))
        #expect(SupervisedClamp.clampValues(freeNodes: [0.3], labels: [0.3], eta: 0.5, options: SupervisedOptions()) == nil)
        // Loss: mean of squared errors, (0.1² + 0.4²)/2 = 0.085.
        #expect(abs(SupervisedClamp.loss(outputs: [0.2, 0.5], labels: [0.3, 0.1], options: SupervisedOptions()) - 0.085) < 1e-15)
    }

    @Test func shiftedHingeLeavesOutputsBeyondTheirLabelAlone() {
        let hinge = SupervisedOptions(loss: .hinge)
        // Label +0.05: 0.07 is beyond it (no nudge), 0.03 is nudged to 0.5·0.03 + 0.5·0.05 = 0.04.
        #expect(SupervisedClamp.clampValues(freeNodes: [0.07], labels: [0.05], eta: 0.5, options: hinge) == nil)
        #expect(close(SupervisedClamp.clampValues(freeNodes: [0.03], labels: [0.05], eta: 0.5, options: hinge), [0.04]))
        // Label −0.05: −0.06 satisfied; 0.01 on the wrong side → 0.5·0.01 − 0.5·0.05 = −0.02.
        #expect(SupervisedClamp.clampValues(freeNodes: [-0.06], labels: [-0.05], eta: 0.5, options: hinge) == nil)
        #expect(close(SupervisedClamp.clampValues(freeNodes: [0.01], labels: [-0.05], eta: 0.5, options: hinge), [-0.02]))
        // Two outputs, one satisfied: it is held at its free value, the other nudged.
        #expect(close(SupervisedClamp.clampValues(freeNodes: [0.07, 0.01], labels: [0.05, -0.05], eta: 0.5, options: hinge),
                      [0.07, -0.02]))
        // Single-ended, decision center 0.22 V: label 0.24 means "above"; 0.25 satisfies it, 0.20 not.
        var centered = hinge
        centered.hingeCenter = 0.22
        #expect(SupervisedClamp.clampValues(freeNodes: [0.25], labels: [0.24], eta: 0.5, options: centered) == nil)
        #expect(close(SupervisedClamp.clampValues(freeNodes: [0.20], labels: [0.24], eta: 0.5, options: centered), [0.22]))
        // Loss: only unsatisfied outputs count, (0.01 + 0.05)² / 2 = 0.0018.
        #expect(abs(SupervisedClamp.loss(outputs: [0.07, 0.01], labels: [0.05, -0.05], options: hinge) - 0.0018) < 1e-15)
        #expect(close(SupervisedClamp.residuals(outputs: [0.07, 0.01], labels: [0.05, -0.05], options: hinge), [0, 0.06], 1e-15))
    }

    @Test func differentialClampNudgesTheDifferenceAndKeepsThePairMean() {
        let options = SupervisedOptions(differential: true)
        // Pairs (0.30, 0.20): O = 0.10, mean 0.25; (0.25, 0.27): O = −0.02, mean 0.26.
        // Labels 0.2, −0.1, η = 0.5: N = 0.15 and −0.06 → (0.325, 0.175) and (0.23, 0.29).
        let c = SupervisedClamp.clampValues(freeNodes: [0.30, 0.20, 0.25, 0.27], labels: [0.2, -0.1], eta: 0.5, options: options)
        #expect(close(c, [0.325, 0.175, 0.23, 0.29]))
        #expect(SupervisedClamp.logicalOutputs(nodes: [0.30, 0.20, 0.25, 0.27], differential: true).count == 2)
    }

    @Test func differentialMeanIsPreservedForEveryOption() {
        var rng = SeededGenerator(seed: 11)
        let variants: [SupervisedOptions] = [
            SupervisedOptions(differential: true),
            SupervisedOptions(loss: .hinge, differential: true),
            SupervisedOptions(differential: true, overclamp: OverclampRails(low: 0, high: 1)),
            SupervisedOptions(loss: .multiclassHinge, differential: true),
        ]
        for options in variants {
            for _ in 0..<200 {
                let free = (0..<6).map { _ in rng.uniform() }
                let labels = (0..<3).map { _ in rng.uniform(in: -0.2...0.2) }
                let eta = rng.uniform(in: 0.05...1)
                guard let c = SupervisedClamp.clampValues(freeNodes: free, labels: labels, eta: eta, options: options) else { continue }
                let outputs = SupervisedClamp.logicalOutputs(nodes: free, differential: true)
                let targets = SupervisedClamp.targets(outputs: outputs, labels: labels, options: options)
                for k in 0..<3 {
                    #expect(abs((c[2 * k] + c[2 * k + 1]) - (free[2 * k] + free[2 * k + 1])) < 1e-14)
                    #expect(abs((c[2 * k] - c[2 * k + 1]) - ((1 - eta) * outputs[k] + eta * targets[k])) < 1e-14)
                }
            }
        }
    }

    @Test func overclampingClampsTowardTheRailOnTheLabelsSide() {
        let rails = OverclampRails(low: 0, high: 1)
        let single = SupervisedOptions(overclamp: rails)
        // Free 0.4 below label 0.6 → rail 1: 0.5·0.4 + 0.5·1 = 0.7; above label 0.2 → rail 0: 0.2.
        #expect(close(SupervisedClamp.clampValues(freeNodes: [0.4, 0.4], labels: [0.6, 0.2], eta: 0.5, options: single), [0.7, 0.2]))
        // Differential: O = 0.1 below L = 0.3 → target high − low = 1: N = 0.9·0.1 + 0.1·1 = 0.19,
        // pair mean 0.35 kept → (0.445, 0.255).
        let pair = SupervisedOptions(differential: true, overclamp: rails)
        #expect(close(SupervisedClamp.clampValues(freeNodes: [0.4, 0.3], labels: [0.3], eta: 0.1, options: pair), [0.445, 0.255]))
        // Above the label → target low − high = −1: N = 0.9·0.1 − 0.1 = −0.01 → (0.345, 0.355).
        #expect(close(SupervisedClamp.clampValues(freeNodes: [0.4, 0.3], labels: [-0.2], eta: 0.1, options: pair), [0.345, 0.355]))
        // With the shifted hinge a satisfied output is still left alone.
        var hinge = single
        hinge.loss = .hinge
        #expect(SupervisedClamp.clampValues(freeNodes: [0.7], labels: [0.6], eta: 0.5, options: hinge) == nil)
    }

    @Test func multiclassHingeNudgesTheTrueClassAndItsRival() {
        let options = SupervisedOptions(loss: .multiclassHinge)
        // Labels: class 1 true (±0.05) → margin Δ = 0.1. Outputs: rival = class 0 (0.05);
        // O₁ − O₀ = −0.03 falls short by 0.13 → targets 0.02 + 0.065 and 0.05 − 0.065;
        // η = 0.5 → 0.0525 and 0.0175; class 2 untouched.
        let labels = [-0.05, 0.05, -0.05]
        let c = SupervisedClamp.clampValues(freeNodes: [0.05, 0.02, 0.04], labels: labels, eta: 0.5, options: options)
        #expect(close(c, [0.0175, 0.0525, 0.04]))
        let shortfall = SupervisedClamp.rivalShortfall(outputs: [0.05, 0.02, 0.04], labels: labels)
        #expect(shortfall?.y == 1 && shortfall?.r == 0 && abs((shortfall?.shortfall ?? 0) - 0.13) < 1e-15)
        // Margin met (0.2 − 0.05 ≥ 0.1): nothing to do.
        #expect(SupervisedClamp.clampValues(freeNodes: [0.05, 0.2, 0.04], labels: labels, eta: 0.5, options: options) == nil)
        #expect(SupervisedClamp.loss(outputs: [0.05, 0.2, 0.04], labels: labels, options: options) == 0)
    }

    /// A fixed nudge (`nudge`, the scikit-digits trainer's `delta`): while the margin is unmet,
    /// each node of the true class's pair moves by nudge/2 away from its partner and the rival's
    /// pair by nudge/2 toward it, whatever the shortfall; everything else holds its free value.
    @Test func multiclassHingeWithAFixedNudgeMovesEachPairByHalfOfIt() throws {
        let options = SupervisedOptions(loss: .multiclassHinge, differential: true, hingeNudge: 0.05)
        // Logical outputs: 0.1 − 0.3 = −0.2, 0.5 − 0.45 = 0.05 (true), 0.2 − 0.1 = 0.1 (rival);
        // labels ±0.01 → margin 0.02, gap 0.05 − 0.1 = −0.05: unmet.
        let free = [0.1, 0.3, 0.5, 0.45, 0.2, 0.1]
        let labels = [-0.01, 0.01, -0.01]
        let c = try #require(SupervisedClamp.clampValues(freeNodes: free, labels: labels, eta: 1, options: options))
        #expect(close(c, [0.1, 0.3, 0.525, 0.425, 0.175, 0.125]))
        // A shortfall ten times larger gets the same step.
        let far = try #require(SupervisedClamp.clampValues(freeNodes: [0.1, 0.3, 0.5, 0.45, 0.7, 0.1], labels: labels, eta: 1, options: options))
        #expect(close(far, [0.1, 0.3, 0.525, 0.425, 0.675, 0.125]))
        // Met by 0.001: no clamped phase.
        #expect(SupervisedClamp.clampValues(freeNodes: [0.1, 0.3, 0.5, 0.379, 0.2, 0.1], labels: labels, eta: 1, options: options) == nil)
    }

    @Test func aFixedNudgeNeedsTheMulticlassHingeAndAPositiveValue() {
        for bad in [
            SupervisedOptions(loss: .multiclassHinge, hingeNudge: -0.05),
            SupervisedOptions(loss: .multiclassHinge, hingeNudge: .nan),
            SupervisedOptions(loss: .mse, hingeNudge: 0.05),
            SupervisedOptions(loss: .multiclassHinge, overclamp: OverclampRails(low: 0, high: 1), hingeNudge: 0.05),
        ] {
            #expect(throws: LearningError.self) { try bad.validate() }
        }
        #expect(throws: Never.self) { try SupervisedOptions(loss: .multiclassHinge, hingeNudge: 0.05).validate() }
    }
}
